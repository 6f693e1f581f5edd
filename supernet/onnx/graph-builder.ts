/**
 * A small ONNX graph under construction: float32 initializers, nodes in execution order, fresh value names.
 * Only the operators this project's exported sub-networks need (see docs/engines.md); opset 13 semantics.
 * @module
 */

/** `int` attributes are written as INT/INTS, `float` ones as FLOAT. */
export interface NodeSpec { op: string; inputs: string[]; attrs?: Record<string, { ints: number[] } | { int: number } | { float: number }> }

export interface Initializer { name: string; dims: number[]; data: Float32Array }
export interface GraphNode extends NodeSpec { name: string; output: string }

export class OnnxGraph {
  readonly initializers: Initializer[] = [];
  readonly nodes: GraphNode[] = [];
  private counter = 0;

  /** Registers a float32 constant; returns its name. */
  constant(name: string, dims: number[], data: Float32Array): string {
    const n = dims.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new Error(`initializer ${name}: ${data.length} values for dims [${dims.join(', ')}]`);
    this.initializers.push({ name, dims, data });
    return name;
  }

  /** A scalar float32 constant (shared by name). */
  scalar(value: number): string {
    const name = `const_${value}`;
    if (!this.initializers.some((i) => i.name === name)) this.constant(name, [], new Float32Array([value]));
    return name;
  }

  /** Appends one node; returns the name of its single output. */
  node(op: string, inputs: string[], attrs?: NodeSpec['attrs']): string {
    const output = `${op.toLowerCase()}_${this.counter++}`;
    this.nodes.push({ name: output, op, inputs, output, ...(attrs ? { attrs } : {}) });
    return output;
  }

  conv(x: string, weight: string, bias: string, kernel: number, stride: number, group = 1): string {
    const p = Math.floor(kernel / 2);
    return this.node('Conv', [x, weight, bias], {
      kernel_shape: { ints: [kernel, kernel] }, strides: { ints: [stride, stride] }, pads: { ints: [p, p, p, p] },
      dilations: { ints: [1, 1] }, group: { int: group },
    });
  }

  relu(x: string): string { return this.node('Relu', [x]); }
  add(a: string, b: string): string { return this.node('Add', [a, b]); }

  /** `relu6(x + 3) / 6`, as OFA's Hsigmoid. */
  hsigmoid(x: string): string {
    return this.node('Div', [this.node('Clip', [this.node('Add', [x, this.scalar(3)]), this.scalar(0), this.scalar(6)]), this.scalar(6)]);
  }

  /** `(x * relu6(x + 3)) / 6`, the multiplication first, as OFA's Hswish. */
  hswish(x: string): string {
    const r6 = this.node('Clip', [this.node('Add', [x, this.scalar(3)]), this.scalar(0), this.scalar(6)]);
    return this.node('Div', [this.node('Mul', [x, r6]), this.scalar(6)]);
  }

  /** Mean over H and W of NCHW: [N, C, 1, 1] with `keep`, else [N, C]. */
  spatialMean(x: string, keep: boolean): string {
    return this.node('ReduceMean', [x], { axes: { ints: [2, 3] }, keepdims: { int: keep ? 1 : 0 } });
  }

  /** `x @ W + b` with W stored [in, out]. */
  gemm(x: string, weight: string, bias: string | null): string {
    return this.node('Gemm', bias === null ? [x, weight] : [x, weight, bias]);
  }
}
