import t from 'tap';
import { ForbiddenError, UnauthorizedError } from '../../src/errors.js';
import { checkBearer } from '../../src/http/auth.js';

t.test('checkBearer accepts the configured token, case-insensitive scheme', async (t) => {
  t.doesNotThrow(() => checkBearer('Bearer s3cret', 's3cret'));
  t.doesNotThrow(() => checkBearer('bearer s3cret', 's3cret'));
});

t.test('checkBearer answers 401 without a bearer token', async (t) => {
  for (const header of [undefined, '', 'Basic abc', 'Bearer', 'Bearer   ']) {
    t.throws(() => checkBearer(header, 's3cret'), UnauthorizedError, String(header));
  }
});

t.test('checkBearer answers 403 for a wrong token, a prefix of it, or no configured token', async (t) => {
  t.throws(() => checkBearer('Bearer wrong', 's3cret'), ForbiddenError);
  t.throws(() => checkBearer('Bearer s3cre', 's3cret'), ForbiddenError);
  t.throws(() => checkBearer('Bearer s3crett', 's3cret'), ForbiddenError);
  t.throws(() => checkBearer('Bearer s3cret', undefined), { statusCode: 403, message: /RAG_ADMIN_TOKEN/ });
});
