import t from 'tap';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  clearStaging, commitStaging, createStaging, listVersions, newVersionName, readCurrent, removeVersion, writeCurrent,
} from '../../src/index/index-store.js';
import { parseManifest } from '../../src/index/manifest.js';

t.test('a staged version is renamed into versions/ and current points at it atomically', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'store-dir-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.equal(await readCurrent(dir), undefined, 'empty directory: no current');
  const v1 = newVersionName(new Date('2026-01-02T03:04:05.678Z'));
  t.match(v1, /^20260102T030405678Z-[0-9a-f]{4}$/);
  const sameSecond = [679, 680, 999].map((ms) => newVersionName(new Date(`2026-01-02T03:04:05.${ms}Z`)));
  t.same([...sameSecond, v1].sort(), [v1, ...sameSecond], 'names made in one second sort by build time');
  const staging = await createStaging(dir, v1);
  writeFileSync(join(staging, 'x'), 'y');
  await commitStaging(dir, staging, v1);
  t.notOk(existsSync(staging));
  t.same(await listVersions(dir), [v1]);
  t.equal(await readCurrent(dir), undefined, 'not current until pointed at');
  await writeCurrent(dir, v1);
  t.equal(await readCurrent(dir), v1);
  t.same(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary pointer left');
  await removeVersion(dir, v1);
  await t.rejects(readCurrent(dir), { name: 'IndexDamageError', message: new RegExp(`current names version ${v1}, whose folder .* is missing`) },
    'a pointer to a missing folder is damage, not "no index yet"');
  writeFileSync(join(dir, 'current'), '\u0000garbage/\n');
  await t.rejects(readCurrent(dir), /current holds .*, not an index version name/);
  mkdirSync(join(dir, 'staging', 'half'), { recursive: true });
  await clearStaging(dir);
  t.notOk(existsSync(join(dir, 'staging')));
  await t.rejects(writeCurrent(dir, '../evil'), /invalid index version name/);
});

t.test('manifests are checked field by field', async (t) => {
  const good = { version: 'v', documents: 1, passages: 2, dimension: 3, index_type: 'IndexFlatIP', built_at: 'x', model: 'm', ctx_encoder_sha256: 'h' };
  t.same(parseManifest(good, 'm.json'), good);
  t.throws(() => parseManifest({ ...good, passages: -1 }, 'm.json'), /m.json: "passages" must be a non-negative integer/);
  t.throws(() => parseManifest({ ...good, model: 3 }, 'm.json'), /"model" must be a string/);
  t.throws(() => parseManifest({ ...good, dimension: 0 }, 'm.json'), /"dimension" must be at least 1/);
});
