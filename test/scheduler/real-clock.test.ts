import { test } from 'uvu';
import { systemClock } from '../../src/scheduler/index.ts';
import { defineSchedulerCases } from './cases.ts';

// The same cases as virtual-clock.test.ts, on performance.now(): no case depends on time standing still.
defineSchedulerCases(test, () => systemClock);

test.run();
