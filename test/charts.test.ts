import { test } from 'vitest';
import { probe } from '../packages/charts/src/probe';
test('probe', () => { console.log(probe()); });
