#!/usr/bin/env python3
"""NVIDIA's Triton Python clients (tritonclient.http and tritonclient.grpc, built here from the sources
vendored in third_party/tritonclient) against a running SuperServe server.

    python3 scripts/triton-client-check.py --http 127.0.0.1:8080 --grpc 127.0.0.1:8081 [--model superserve]

Builds the client as Triton's build_wheel.py does (protoc for the gRPC messages, renamed to service_pb2 and
imports fixed), then checks metadata, config, inference with no outputs named (every output the metadata
lists), named outputs with binary data and class_count, errors, statistics, model load/unload, and a gRPC
stream of 32 requests with one invalid. Prints one line per check and ends with "N checks ok, M failed";
exits 1 when a check failed, 2 when the client cannot be built (its Python packages missing).
Needs Debian's python3-numpy, python3-rapidjson, python3-geventhttpclient, python3-grpcio,
python3-grpc-tools, python3-protobuf, python3-packaging (pip is not needed).
"""
import argparse
import os
import re
import shutil
import sys
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENDORED = os.path.join(ROOT, 'third_party', 'tritonclient')


def build_client(dest):
    """tritonclient with its generated gRPC modules in `dest` (added to sys.path)."""
    from grpc_tools import protoc  # noqa: PLC0415 (missing -> exit 2 below)
    pkg = os.path.join(dest, 'tritonclient')
    shutil.copytree(os.path.join(VENDORED, 'python', 'tritonclient'), pkg)
    proto = os.path.join(VENDORED, 'proto')
    out = os.path.join(pkg, 'grpc')
    include = os.path.join(os.path.dirname(protoc.__file__), '_proto')
    for args in (['model_config.proto'], ['grpc_service.proto']):
        code = protoc.main(['protoc', f'-I{proto}', f'-I{include}', f'--python_out={out}', f'--grpc_python_out={out}', *args])
        if code != 0:
            raise RuntimeError(f'protoc failed on {args}')
    # As build_wheel.py: grpc_service_pb2* are shipped as service_pb2*, with package-relative imports.
    os.replace(os.path.join(out, 'grpc_service_pb2.py'), os.path.join(out, 'service_pb2.py'))
    os.replace(os.path.join(out, 'grpc_service_pb2_grpc.py'), os.path.join(out, 'service_pb2_grpc.py'))
    for name, pattern in (('model_config_pb2.py', r'^import ([^ ]*)_pb2 as ([^ ]*)$'), ('service_pb2.py', r'^import ([^ ]*)_pb2 as ([^ ]*)$'),
                          ('service_pb2_grpc.py', r'^import grpc_([^ ]*)_pb2 as ([^ ]*)$')):
        path = os.path.join(out, name)
        with open(path) as f:
            text = f.read()
        with open(path, 'w') as f:
            f.write(re.sub(pattern, r'from tritonclient.grpc import \1_pb2 as \2', text, flags=re.M))
    sys.path.insert(0, dest)


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def run(self, name, fn):
        try:
            fn()
            self.passed += 1
            print(f'ok - {name}', flush=True)
        except Exception as e:  # noqa: BLE001 (every failure is reported, then counted)
            self.failed += 1
            print(f'FAIL - {name}: {type(e).__name__}: {e}', flush=True)


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--http', required=True, help='host:port of the HTTP server')
    ap.add_argument('--grpc', required=True, help='host:port of the gRPC server')
    ap.add_argument('--model', default='superserve')
    ap.add_argument('--size', type=int, default=64, help='image side of the test tensors (the worker resizes)')
    ap.add_argument('--max-queue', type=int, default=10_000, help="the server's --max-queue (its default unless given)")
    a = ap.parse_args()

    build_dir = tempfile.mkdtemp(prefix='tritonclient-')
    try:
        try:
            build_client(build_dir)
            import numpy as np
            import tritonclient.grpc as grpcclient
            import tritonclient.http as httpclient
            from tritonclient.utils import InferenceServerException
        except ImportError as e:
            print(f'cannot build tritonclient: {e} (install the Debian packages listed in this script)', file=sys.stderr)
            return 2
        return run_checks(a, np, httpclient, grpcclient, InferenceServerException)
    finally:
        shutil.rmtree(build_dir, ignore_errors=True)


ALL_OUTPUTS = ['logits', 'top5', 'subnet_id', 'accuracy', 'batch_size', 'queue_ms', 'compute_ms']


def run_checks(a, np, httpclient, grpcclient, InferenceServerException):
    c = Checks()
    model = a.model
    rng = np.random.default_rng(1)
    pixels = rng.uniform(-1, 1, size=(1, 3, a.size, a.size)).astype(np.float32)
    http = httpclient.InferenceServerClient(a.http)
    grpc = grpcclient.InferenceServerClient(a.grpc)

    def http_input(data=pixels, name='input'):
        i = httpclient.InferInput(name, list(data.shape), 'FP32')
        i.set_data_from_numpy(data, binary_data=True)
        return i

    def grpc_input(data=pixels, name='input'):
        i = grpcclient.InferInput(name, list(data.shape), 'FP32')
        i.set_data_from_numpy(data)
        return i

    # --- HTTP ---
    def http_health():
        expect(http.is_server_live() and http.is_server_ready() and http.is_model_ready(model), 'live, ready, model ready')
    c.run('http: live / ready / model ready', http_health)

    def http_metadata():
        meta = http.get_server_metadata()
        for ext in ('binary_tensor_data', 'classification', 'model_repository', 'statistics'):
            expect(ext in meta['extensions'], f'extension {ext} in {meta["extensions"]}')
        m = http.get_model_metadata(model)
        expect([o['name'] for o in m['outputs']] == ALL_OUTPUTS, f'outputs {m["outputs"]}')
    c.run('http: server and model metadata (7 outputs)', http_metadata)

    def http_config():
        cfg = http.get_model_config(model)
        q = cfg['dynamic_batching']['default_queue_policy']['max_queue_size']
        expect(q == a.max_queue, f'max_queue_size is the real bound {a.max_queue}, got {q}')
        expect(cfg['max_batch_size'] > 0, 'max_batch_size')
    c.run('http: model config (max_queue_size is the queue bound)', http_config)

    def http_all_outputs():
        r = http.infer(model, [http_input()], parameters={'subnet': 0})
        names = [o['name'] for o in r.get_response()['outputs']]
        expect(names == ALL_OUTPUTS, f'no outputs named -> all of them, got {names}')
        expect(r.as_numpy('logits').shape[0] == 1 and r.as_numpy('top5').shape == (1, 5), 'logits / top5 shapes')
        for name in ALL_OUTPUTS[2:]:
            expect(r.as_numpy(name).shape == (1,), f'{name} shape {r.as_numpy(name).shape}')
        expect(int(r.as_numpy('subnet_id')[0]) == 0, 'subnet_id 0 as asked')
        expect(int(r.as_numpy('top5')[0][0]) == int(np.argmax(r.as_numpy('logits')[0])), 'top5 starts with the argmax')
    c.run('http: infer with no outputs named returns every output (binary)', http_all_outputs)

    def http_named_outputs():
        outs = [httpclient.InferRequestedOutput('logits', binary_data=True, class_count=3), httpclient.InferRequestedOutput('top5', binary_data=False)]
        r = http.infer(model, [http_input()], outputs=outs, parameters={'subnet': 0})
        names = [o['name'] for o in r.get_response()['outputs']]
        expect(names == ['logits', 'top5'], f'named outputs only, got {names}')
        cls = r.as_numpy('logits')
        expect(cls.shape == (1, 3), f'class_count 3 -> [1,3], got {cls.shape}')
        top5 = r.as_numpy('top5')
        best = [int(s.decode().split(':')[1]) for s in cls[0]]
        expect(best == [int(x) for x in top5[0][:3]], f'classification {cls[0]} agrees with top5 {top5[0]}')
        expect('data' in r.get_response()['outputs'][1], 'top5 as JSON (binary_data=False)')
        full = http.infer(model, [http_input()], outputs=[httpclient.InferRequestedOutput('logits')], parameters={'subnet': 0})
        again = http.infer(model, [http_input()], parameters={'subnet': 0})
        expect(np.array_equal(full.as_numpy('logits'), again.as_numpy('logits')), 'same logits named or not')
    c.run('http: named outputs with binary_data and class_count', http_named_outputs)

    def http_error():
        try:
            http.infer(model, [http_input(name='nope')])
        except InferenceServerException as e:
            expect(e.status() == '400', f'status {e.status()}')
            expect("unexpected inference input 'nope'" in e.message(), e.message())
            return
        raise AssertionError('an invalid input was accepted')
    c.run('http: an invalid request is answered 400 with Triton wording', http_error)

    def http_model_control():
        for action in (http.load_model, http.unload_model):
            try:
                action(model)
            except InferenceServerException as e:
                expect(e.status() == '400' and 'is not allowed' in e.message(), f'{e.status()} {e.message()}')
                continue
            raise AssertionError(f'{action.__name__} succeeded')
    c.run('http: load / unload refused (400)', http_model_control)

    def http_statistics():
        s = http.get_inference_statistics(model)['model_stats'][0]['inference_stats']
        expect(s['success']['count'] >= 4 and s['success']['ns'] > 0, f'success {s["success"]}')
        expect(s['fail']['count'] >= 1 and s['fail']['ns'] > 0, f'fail measured {s["fail"]}')
        for k in ('queue', 'compute_input', 'compute_infer', 'compute_output'):
            expect(s[k]['count'] >= 4 and s[k]['ns'] > 0, f'{k} {s[k]}')
    c.run('http: statistics (fail and compute_input/output measured)', http_statistics)

    # --- gRPC ---
    def grpc_metadata():
        m = grpc.get_model_metadata(model, as_json=True)
        expect([o['name'] for o in m['outputs']] == ALL_OUTPUTS, f'outputs {m["outputs"]}')
        cfg = grpc.get_model_config(model, as_json=True)['config']
        q = int(cfg['dynamic_batching']['default_queue_policy']['max_queue_size'])
        expect(q == http.get_model_config(model)['dynamic_batching']['default_queue_policy']['max_queue_size'], f'the same bound as HTTP, got {q}')
    c.run('grpc: model metadata and config', grpc_metadata)

    def grpc_all_outputs():
        r = grpc.infer(model, [grpc_input()], parameters={'subnet': 0})
        names = [o.name for o in r.get_response().outputs]
        expect(names == ALL_OUTPUTS, f'no outputs named -> all of them, got {names}')
        h = http.infer(model, [http_input()], parameters={'subnet': 0})
        expect(np.array_equal(r.as_numpy('logits'), h.as_numpy('logits')), 'gRPC logits equal HTTP logits')
    c.run('grpc: infer with no outputs named returns every output', grpc_all_outputs)

    def grpc_named_outputs():
        r = grpc.infer(model, [grpc_input()], outputs=[grpcclient.InferRequestedOutput('logits', class_count=2)], parameters={'subnet': 0})
        expect([o.name for o in r.get_response().outputs] == ['logits'], 'only logits')
        expect(r.as_numpy('logits').shape == (1, 2), f'class_count 2 -> [1,2], got {r.as_numpy("logits").shape}')
    c.run('grpc: named output with class_count', grpc_named_outputs)

    def grpc_model_control():
        for action in (grpc.load_model, grpc.unload_model):
            try:
                action(model)
            except InferenceServerException as e:
                expect(e.status() == 'StatusCode.FAILED_PRECONDITION' and 'is not allowed' in e.message(), f'{e.status()} {e.message()}')
                continue
            raise AssertionError(f'{action.__name__} succeeded')
    c.run('grpc: load / unload refused (FAILED_PRECONDITION)', grpc_model_control)

    def grpc_stream():
        results, errors = [], []
        done = threading.Condition()

        def callback(result, error):
            with done:
                (errors if error is not None else results).append(error if error is not None else result)
                done.notify_all()
        grpc.start_stream(callback=callback)
        try:
            for i in range(32):
                inputs = [grpc_input(name='nope')] if i == 16 else [grpc_input(pixels + i / 100)]
                grpc.async_stream_infer(model, inputs, request_id=f'r{i}')
        finally:
            grpc.stop_stream()  # waits for every answer
        ids = sorted(r.get_response().id for r in results)
        expect(len(results) == 31 and len(errors) == 1, f'{len(results)} results, {len(errors)} errors')
        expect(ids == sorted(f'r{i}' for i in range(32) if i != 16), f'ids {ids}')
        expect("unexpected inference input 'nope'" in errors[0].message(), errors[0].message())
        expect(all(len(r.get_response().outputs) == 7 for r in results), 'all outputs per answer')
    c.run('grpc: stream of 32 requests, one invalid -> 31 results by id and one error, stream goes on', grpc_stream)

    def grpc_stream_cancel():
        seen = []
        grpc.start_stream(callback=lambda result, error: seen.append(error))
        for i in range(8):
            grpc.async_stream_infer(model, [grpc_input()], request_id=f'c{i}')
        grpc.stop_stream(cancel_requests=True)
        r = grpc.infer(model, [grpc_input()], outputs=[grpcclient.InferRequestedOutput('top5')])
        expect(r.as_numpy('top5').shape == (1, 5), 'the server answers after a cancelled stream')
    c.run('grpc: a cancelled stream returns at once and the server goes on', grpc_stream_cancel)

    http.close()
    grpc.close()
    print(f'{c.passed} checks ok, {c.failed} failed')
    return 0 if c.failed == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
