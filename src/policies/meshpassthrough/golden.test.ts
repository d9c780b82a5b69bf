import { describe } from 'vitest';
import { goldenTests } from '../../../test/helpers/proxy-fixtures.ts';
import { goldenCases } from './golden-cases.ts';

describe('meshpassthrough: golden files', () => goldenTests(new URL('./testdata/', import.meta.url), goldenCases));
