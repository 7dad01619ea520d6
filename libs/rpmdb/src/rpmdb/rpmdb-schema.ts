/**
 * The schema of rpm's sqlite database, and the empty database it makes as a file image.
 *
 * Creating the 50 tables and indexes statement by statement costs SQLite far more than it looks: every
 * CREATE is parsed, run, and re-reads the schema, and the WebAssembly engine then spends ~150 ms of CPU
 * optimizing SQLite's parser and bytecode engine for that burst (measured in a fresh process; a compose
 * writes one database). `Rpmdb.create` opens this image instead: the very file SQLite writes for the
 * schema, which `rpmdb-schema.test.ts` rebuilds and compares byte for byte (so a sql.js upgrade that
 * changes it fails that test, which prints the new value).
 */
import { gunzipSync } from 'node:zlib';
import { BLOB_KEY_INDEXES, KEY_ONLY_INDEXES, RPMDB_INDEXES, UNINDEXED_KEY } from './rpmdb-index.js';

/** rpm's `CREATE` statements (lib/backend/sqlite.c), in the order rpm runs them. */
export function rpmdbSchema(): string[] {
  const statements = [`CREATE TABLE IF NOT EXISTS 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL)`];
  for (const [name] of RPMDB_INDEXES) {
    const keyType = BLOB_KEY_INDEXES.has(name) ? 'BLOB' : 'TEXT';
    statements.push(
      `CREATE TABLE IF NOT EXISTS '${name}' (key '${keyType}' NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL, FOREIGN KEY (hnum) REFERENCES 'Packages'(hnum))`,
    );
    if (!UNINDEXED_KEY.has(name)) statements.push(`CREATE INDEX IF NOT EXISTS '${name}_key_idx' ON '${name}'(key ASC)`);
    if (!UNINDEXED_KEY.has(name) && !KEY_ONLY_INDEXES.has(name)) {
      statements.push(`CREATE INDEX IF NOT EXISTS '${name}_hnum_idx' ON '${name}'(hnum ASC)`);
    }
  }
  return statements;
}

/** gzip + base64 of the SQLite file `rpmdbSchema()` makes in an empty sql.js database (`Database.export()`). */
export const EMPTY_RPMDB_IMAGE_GZ = [
  'H4sIAAAAAAACA+3by28bxx3Aca4eXL3llzyWZVqrKAxFPSIrihoYSYBI8spQIlMqRQN20MSlxLXEiCItkUqtAjmQJ596DXrJLegx6MGXoPkDgiK39NZD',
  'cusxQI+5FNwll7+hSKW9hBXx/QCWljOzM7u/H7nQcMbbv91IFxzrae74MFmwFgOXAoYReM+yAoGAEQgE3gzUlF931b3+JUbg9T//tbt8MPxz+fXk8M9D',
  '8cEvB+2BHwfe6/+p/92+7/v2e1/2bvT80DNtfmM+CH4enO7+utvs+qLrjc4XnbMd33WEjNPAt784UnHutqkmJoxSuJDcyTjb+8mFfSeZco5rR+OrcXs5',
  'YVuJ5ZUN24rUKiLW1IFzakUS9qNExIptJqzYw42NWWs/e3JorccS9n07LorTqecNStc24/b6/Zj1gf3YmiqfGbXi9podt2Or9rYV2UruHiT3nHzEq4sW',
  'J0KmGh01SiHvetN7h6kl7+ftuut0C6vXuLKxufKrXePcLRnT9Wy+kMxkCulU7SikX2utohXX+9FYUM2HjM/S2ZTz/F76OJs8dPJPynVP0im/4Fblktdj',
  '9+xHVuRMu4i1GasVe31by9ur0Q9vBtVcyDjVuz9wTmXvY016rzSr77wco3LfxcioqUIhozThhrraoPr7ph5m//wWvHE/uWGqpUmj2OuGIXGc3ttz3Kvx',
  'AyjKRvVoNGrtRUTUiIjvKVMtThrF7jNjVcIpim40H0qLvTaSH/471001OWmUIm74RRtxqPQkyI5akIfsiKneChvFQTc2mzv5XMYpOFpoZeF1PTwN23sB',
  'klUiFwfXTLUUruZdO78SX1k2cs5wWjr00fx8LF41VThslKJuPmQjeXxNz4jWVytSckWmZDWXfZpJ7xa0EMvCq3qMGrb3giSrZEouy5Ro51diLMuunDOc',
  'lhJ9tFpKLsmUyEby+LKeEq2vVjythuXTaus492k6pb/pRdklPUKNWnsREjXyaTUkn1by7Ep4RdFw86G0XGgj1Z5Wg/JpJdqIwyE9EbKjVuRhQOYh7hyd',
  'pI/1yIqyQT04jVp70RE1Mg/9Mg/y7EpoRdFA86G0PGgj1fLQJ/Mg2ojDfj0PsqMW5CHWG1QRZRy6obl/nDt5Vr1P90WfHg6tgRcIt0iE4HaPqZQySmNu',
  'CNxa90evftveaS244R3TVAvjRtFw73glmXf0v/b8kh791s+29O7fLxdvuI+DQTU/Xvm7s3ZiJW5+gdlsBC3AYgA/yNPdphofN0qTbpD9Fv5BUA92rYsW',
  'BPz9rqAKjxhpNxgx8UEqH3frIYid+ZzF9A/YWKepRkaM0qh74+XK8r8u/XZjLfosbXUE1cyM8di9tvxRJl1wnuSdoxMnu1v/slO74rrKqXKuZvPOUfSZ',
  '4U4Ciovec70yXvV3R90TvXo53rX697MVX3+wHH/s3sXyw8Tmemw1bj+wY4nZnUxuxypPyNx7DgQCE6OD5bnzpQAAAAAAAGhjzP8BAAAAAGD+DwAAAAAA',
  'Lr4+5v8AAAAAALQ91v8BAAAAAGh/rP8DAAAAAMD8HwAAAAAAXHzs/wcAAAAAoP2x/g8AAAAAQPtj/R8AAAAAgPbH+j8AAAAAAMz/AQAAAADAxcf+fwAA',
  'AAAA2h/r/wAAAAAAMP8HAAAAAAAXH/v/AQAAAABof6z/AwAAAADA/B8AAAAAAFx87P8HAAAAAKD9sf4PAAAAAADzfwAAAAAAcPGx/x8AAAAAgPbH+j8A',
  'AAAAAMz/AQAAAADAxcf+fwAAAAAA2h/r/wAAAAAAMP8HAAAAAAAXH/v/AQAAAABg/g8AAAAAAJj/AwAAAACA/3/8/38AAAAAANpfef1/tPNFYPhPw+8M',
  'fTEUH/xy0B74ceC9/p/63+37vm+/92XvRs8PPdPmN+aD4OfB6e6vu82uL7re6HzROdvxXUfIOA18G0gFfteo76AVdH/vjptqYcIoGulsynm+vZ9c2HeS',
  'Kef4yYFz+iSdEiXWatxeTtjWeuye/ciKnG0asTZjsjwydeCcWsvbq9Hi3G1TTUwYpXAhuZNxak1qR+OV3hPLKxu21ovldhNJ2I8SESu2mbBiDzc2Zq39',
  '7MmhtR5L2PftuChOp543KF3bjNvr92PWB/Zja6p8ZtSK22t23I6t2ttWZCu5e5Dcc/IRry5anAiZanTUKIW8603vHaaWvJ+3667TLaxe48rG5sqvdo1z',
  't2RM17P5QjKTKaRTtaOQfq21ilZc70djQTUfMj5z32f30sfZ5KGTf1KuK793qgW39DfZmXbee6xa7PXtvsU+vBlUcyHjVO++8s6svh5r0rv2Bq517r99',
  'I6OmCoWM0oQb6mqD6u+bepj981vwxv3khqmWJo1irxuGxHF6b89xr8YPoCgb1aPRqLUXEVEjIr6nTLU4aRS7z4xVCacoutF8KC322kh++O9cN9XkpFGK',
  'uOEXbcSh0pMgO2pBHrIjpnorbBQH3dhs7uRzGafgaKGVhdf18DRs7wVIVolcHFwz1VK4mnft/Ep8ZdnIOcNp6dBH8/OxeNVU4bBRirr5kI3k8TU9I1pf',
  'rUjJFZmS1Vz2aSa9W9BCLAuv6jFq2N4LkqySKbksU6KdX4mxLLtyznBaSvTRaim5JFMiG8njy3pKtL5a8bQalk+rrePcp+mU/qYXZZf0CDVq7UVI1Min',
  '1ZB8WsmzK+EVRcPNh9JyoY1Ue1oNyqeVaCMOh/REyI5akYcBmYe4c3SSPtYjK8oG9eA0au1FR9TIPPTLPMizK6EVRQPNh9LyoI1Uy0OfzINoIw779TzI',
  'jlqQh1hvUEWUceiG5v5x7uRZ9T7dF316OLQGXiDcIhGC2z2mUsoojbkhcGvdH736bXunteCGd0xTLYxXJx8rybyj/7Xnl/Tot362pXf/frl4w30cDKr5',
  '8crfnbUTK3HzC8xmI2gBFgP4QZ7uNtX4uFGadIPst/APgnqwa120IODvdwVVeMRIu8GIiQ9S+bhbD0HszOcspn/AxjpNNTJilEbdGy9Xlv916bcba9Fn',
  'aasjqGZmjMfuteWPMumC8yTvHJ042d36l53aFddVTpVzNZt3jqLPDHcSUFz0nuuV8aq/O+qe6NXL8a7Vv5+t+PqD5fhj9y6WHyY212OrcfuBHUvM7mRy',
  'O1Z5Qubfc5T9/wAAAAAAtL/B/r8HbgS+CvTn+i/1/b73b70DPX8x/2Xmgv8Ohrs/7w52Pej8Z+d+x8uODeMH49XAV8Mvhv4xlBlq1eXm50x1N2oUL3tb',
  'CU6ePcs4h05WW8TQS+/UbSloeEplW4FWJ76FujtrqmjUKM15S/VaM/3VfN3Svd5jK753n5Hfu2+f7O05eX2FSZS9Xh+rs62rkfJr5Pfu0/J7d3m2nxm/',
  'aK75UHU5ESPVvnePyu/dRRtxOFufilpHLcjD8ZSp7kaqb9y4s5s7PHSyqboVEFE6U78w0eiM6tqEqBP5yEVM9Vakuhyp9+CvhIjC6fOGrFsN0Ub08/Kb',
  '10wViRilmcp6iGilvYjWr4nI7lqxGWcobKr7S0ZxrrLRIJnNP01nnELD3Q1nK6fq9x6cc351F8LZJiJ1xf5XTWUvGcVo8wvyt0A06Om/uJ66TRGNLsfP',
  '6weTplpaMkp3K7sjzjZuVPZa/X6JBmO0INl/fMVU784YxVE3tGtN0lRXHtYjunZuctea5vUPE6Z6e8YojjQcu5KSuuJXzx9ay+Na0xS+Y5nlxYrSvJvC',
  'unZ1L1/RE7fW+pyxhZAthGwhPH8LYSDQscQWQrYQ/k9bCD9ZkKmws/vJ7K6+00aUvanHp1FrL0CiRqbijkyFPLsSXVG02HwoLRXaSLVUzMtUiDbi8A09',
  'FbKjFqTi09dN9Xa0+odB3Sy1NlWTxQvnzmzrJ2z61NbPCf//HwAAAACA9sf8HwAAAACA9sf//wcAAAAAoP2x/g8AAAAAAPN/AAAAAABw8bH/HwAAAACA',
  '9sf6PwAAAAAAzP8BAAAAAMDFx/5/AAAAAADaH+v/AAAAAAAw/wcAAAAAABcf+/8BAAAAAGh/rP8DAAAAAMD8HwAAAAAAXHzs/wcAAAAAoP2x/g8AAAAA',
  'APN/AAAAAABw8f0He4fNVwBAAwA=',
].join('');

/** The empty rpm database (schema only) as SQLite file bytes, ready for `new SQL.Database(bytes)`. */
export function emptyRpmdbImage(): Uint8Array {
  return gunzipSync(Buffer.from(EMPTY_RPMDB_IMAGE_GZ, 'base64'));
}
