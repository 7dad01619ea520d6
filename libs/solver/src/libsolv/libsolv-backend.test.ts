import { testSolverBackend } from '../conformance.js';
import { libsolvBackend } from './libsolv-backend.js';

testSolverBackend(libsolvBackend);
