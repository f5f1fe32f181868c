// A user story told through Rocket.Chat's own REST client, @rocket.chat/api-client (the
// `RestClient` class its web app uses), against a live rocketlite.
//
//   BASE_URL=http://127.0.0.1:3000 ADMIN_PASS=... [ADMIN_USER=admin] node story.mjs
//
// Run by tests/e2e/rc_node_client.sh after `npm ci`. The client has no login method of its own:
// one POSTs /v1/login through it and hands the answer to setCredentials(), as Rocket.Chat's
// apps do. Every request goes through client.get/post: GET params are encoded by the client
// (query-string, arrays as `key[]=`), POST bodies are JSON. An answer that is not 2xx makes the
// client reject with the fetch Response itself (for a 400 after peeking at it for a 2FA
// challenge); the story reads errorType from that Response.
//
// The story: an admin creates olga, ada and carl, someone registers himself; olga creates a
// channel and a private group with ada, invites carl, makes him a co-owner and takes it back,
// so she is the sole owner of both. Deactivating olga without confirmRelinquish is refused
// with user-last-owner; with confirmRelinquish=true ada, the earliest-joined active member,
// becomes the owner of both. Prints each step; exits non-zero on the first mismatch.

import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { RestClient } from '@rocket.chat/api-client';

const BASE_URL = process.env.BASE_URL.replace(/\/+$/, '');
const ADMIN_USER = process.env.ADMIN_USER || 'admin';
const ADMIN_PASS = process.env.ADMIN_PASS;

let stepNo = 0;
const covered = [];

function step(op, text) {
  stepNo += 1;
  if (!covered.includes(op)) covered.push(op);
  console.log(`[${String(stepNo).padStart(2, '0')}] ${op}: ${text}`);
}

function check(cond, what) {
  if (!cond) {
    console.log(`  FAIL: ${what}`);
    process.exit(1);
  }
  console.log(`  ok: ${what}`);
}

// Deep equality of JSON values, object keys in any order.
const canon = (v) => (Array.isArray(v) ? v.map(canon)
  : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])])) : v);
const same = (a, b) => JSON.stringify(canon(a)) === JSON.stringify(canon(b));
const sorted = (xs) => [...xs].sort();
const rolesOf = (answer) => Object.fromEntries(answer.roles.map((r) => [r.u.username, r.roles]));

// The call must be rejected by the client with a Response of this status, whose JSON body has
// success=false, this errorType (null: none, as Rocket.Chat's 401/403/not-found bodies) and,
// if given, `errorHas` in its error text. Returns the body.
async function expectRejection(promise, status, errorType, what, errorHas) {
  let value;
  try {
    value = await promise;
  } catch (e) {
    check(e instanceof Response, `rejected with a fetch Response (${e?.constructor?.name})`);
    const body = await e.json();
    console.log(`  rejected: ${e.status} ${JSON.stringify(body)}`);
    check(e.status === status, `status ${status}`);
    check(body.success === false, 'success is false');
    check((body.errorType ?? null) === errorType, `errorType ${JSON.stringify(body.errorType ?? null)}`);
    if (errorHas) check(String(body.error).includes(errorHas), `error mentions ${JSON.stringify(errorHas)}`);
    return body;
  }
  check(false, `${what}: expected a rejection ${status} ${errorType}, got ${JSON.stringify(value)}`);
}

async function login(user, password) {
  const client = new RestClient({ baseUrl: BASE_URL });
  const answer = await client.post('/v1/login', { user, password });
  check(answer.status === 'success' && answer.data?.userId && answer.data?.authToken,
    `logged in as ${answer.data?.me?.username} (${answer.data?.userId})`);
  client.setCredentials({ 'X-User-Id': answer.data.userId, 'X-Auth-Token': answer.data.authToken });
  return client;
}

async function main() {
  const sfx = randomBytes(3).toString('hex');
  const [olga, ada, carl, reg] = ['olga', 'ada', 'carl', 'reg'].map((n) => `${n}-${sfx}`);
  const channel = `nodestory-${sfx}`;
  const group = `nodesecret-${sfx}`;
  const pw = (name) => `pw-${name}`;
  const title = (name) => name[0].toUpperCase() + name.slice(1);

  const anon = new RestClient({ baseUrl: BASE_URL });

  step('info', 'GET /api/info without credentials');
  const info = await anon.get('/info');
  check(info.success === true && typeof info.version === 'string', `version ${JSON.stringify(info.version)}`);

  step('login', `a wrong password for ${ADMIN_USER}`);
  await expectRejection(anon.post('/v1/login', { user: ADMIN_USER, password: 'not-the-password' }),
    401, null, 'wrong password', 'Unauthorized');

  step('login', `${ADMIN_USER} with {user, password}`);
  const admin = await login(ADMIN_USER, ADMIN_PASS);
  const adminId = admin.getCredentials()['X-User-Id'];

  step('me', 'as admin');
  const me = await admin.get('/v1/me');
  check(me._id === adminId && me.username === ADMIN_USER && me.roles.includes('admin'),
    `me is ${me.username} with roles ${JSON.stringify(me.roles)}`);

  step('licenses.info', 'as admin');
  const lic = await admin.get('/v1/licenses.info');
  check(lic.success === true, `answer keys ${JSON.stringify(Object.keys(lic).sort())}`);

  const ids = {};
  for (const name of [olga, ada, carl]) {
    step('users.create', name);
    const r = await admin.post('/v1/users.create', {
      username: name, email: `${name}@example.org`, name: title(name), password: pw(name),
    });
    check(r.success && r.user.username === name && r.user.active === true, `created ${name} as ${r.user._id}`);
    ids[name] = r.user._id;
  }

  step('users.create', `${olga} again`);
  await expectRejection(admin.post('/v1/users.create', {
    username: olga, email: `x${olga}@example.org`, name: 'X', password: 'pw-x-dup',
  }), 400, 'error-field-unavailable', 'duplicate username');

  step('users.info', `by userId ${ids[olga]}`);
  let u = (await admin.get('/v1/users.info', { userId: ids[olga] })).user;
  check(u._id === ids[olga] && u.username === olga && u.active === true, `${u.username} active`);

  step('users.info', `by username ${ada}`);
  u = (await admin.get('/v1/users.info', { username: ada })).user;
  check(u._id === ids[ada] && u.name === title(ada), `${u.username} is ${u._id}`);

  step('users.info', `by email ${carl}@example.org`);
  u = (await admin.get('/v1/users.info', { email: `${carl}@example.org` })).user;
  check(u._id === ids[carl], `${u.username} is ${u._id}`);

  step('users.info', 'an unknown username');
  await expectRejection(admin.get('/v1/users.info', { username: `nobody-${sfx}` }), 400, null,
    'unknown user', 'User not found');

  step('users.list', 'pages of 2, sorted by username');
  const names = [];
  for (let offset = 0; ; offset += 2) {
    const page = await admin.get('/v1/users.list', { offset, count: 2, sort: JSON.stringify({ username: 1 }) });
    check(page.success && page.offset === offset && page.count === page.users.length,
      `offset ${page.offset}: ${page.count} of ${page.total}`);
    names.push(...page.users.map((x) => x.username));
    if (offset + 2 >= page.total) break;
  }
  check([ADMIN_USER, olga, ada, carl].every((n) => names.includes(n)), `${names.length} users, ours among them`);
  check(same(names, sorted(names)) && new Set(names).size === names.length, 'sorted, none twice');

  step('users.register', `${reg} registers himself, without credentials`);
  const r0 = await anon.post('/v1/users.register', {
    username: reg, email: `${reg}@example.org`, pass: pw(reg), name: title(reg),
  });
  check(r0.success && r0.user.username === reg, `registered ${reg} as ${r0.user._id}`);
  ids[reg] = r0.user._id;

  step('login', `${reg} by email`);
  const regc = await login(`${reg}@example.org`, pw(reg));
  check((await regc.get('/v1/me')).username === reg, 'me is the registered user');

  step('users.create', `${reg} (no admin) is refused`);
  await expectRejection(regc.post('/v1/users.create', {
    username: `z-${sfx}`, email: `z${sfx}@example.org`, name: 'Z', password: 'pw-z-nope',
  }), 403, null, 'users.create without create-user', '[error-unauthorized]');

  step('login', olga);
  const oc = await login(olga, pw(olga));

  step('channels.create', `${channel} as ${olga}, members [${ada}]`);
  const c = await oc.post('/v1/channels.create', { name: channel, members: [ada] });
  check(c.success && c.channel.name === channel && c.channel.t === 'c' && c.channel.u.username === olga,
    `channel ${c.channel._id} created by ${c.channel.u.username}`);
  const room = c.channel._id;
  await sleep(10); // carl joins strictly later than ada: the successor is the earliest-joined

  step('channels.invite', `${carl} by roomId + userId`);
  const inv = await oc.post('/v1/channels.invite', { roomId: room, userId: ids[carl] });
  check(inv.success && inv.channel._id === room, 'invited');

  step('channels.members', 'by roomName');
  let m = await oc.get('/v1/channels.members', { roomName: channel });
  check(same(sorted(m.members.map((x) => x.username)), sorted([olga, ada, carl])) && m.total === 3,
    `members ${JSON.stringify(m.members.map((x) => x.username))}, total ${m.total}`);

  step('channels.addOwner', `${carl} by username`);
  check((await oc.post('/v1/channels.addOwner', { roomId: room, username: carl })).success === true, 'added');

  step('channels.addOwner', `${ada} by userId, by roomName`);
  check((await oc.post('/v1/channels.addOwner', { roomName: channel, userId: ids[ada] })).success === true, 'added');

  step('channels.addOwner', `${carl} again`);
  await expectRejection(oc.post('/v1/channels.addOwner', { roomId: room, username: carl }), 400,
    'error-user-already-owner', 'already owner');

  step('channels.roles', 'by roomName');
  let holders = rolesOf(await oc.get('/v1/channels.roles', { roomName: channel }));
  check(same(holders, { [olga]: ['owner'], [ada]: ['owner'], [carl]: ['owner'] }),
    `roles ${JSON.stringify(holders)}`);

  for (const who of [carl, ada]) {
    step('channels.removeOwner', who);
    check((await oc.post('/v1/channels.removeOwner', { roomId: room, userId: ids[who] })).success === true, 'removed');
  }

  step('channels.roles', 'by roomId');
  holders = rolesOf(await oc.get('/v1/channels.roles', { roomId: room }));
  check(same(holders, { [olga]: ['owner'] }), `${olga} is the sole owner: ${JSON.stringify(holders)}`);

  step('groups.create', `${group} as ${olga}, members [${ada}]`);
  const g = await oc.post('/v1/groups.create', { name: group, members: [ada] });
  check(g.success && g.group.name === group && g.group.t === 'p', `group ${g.group._id}`);
  const gid = g.group._id;
  await sleep(10);

  step('groups.invite', `${carl} by username`);
  const ginv = await oc.post('/v1/groups.invite', { roomId: gid, username: carl });
  check(ginv.success && ginv.group._id === gid, 'invited');

  step('groups.members', 'by roomId');
  m = await oc.get('/v1/groups.members', { roomId: gid });
  check(same(sorted(m.members.map((x) => x.username)), sorted([olga, ada, carl])) && m.total === 3,
    `members ${JSON.stringify(m.members.map((x) => x.username))}`);

  step('groups.members', `by roomName, filter "${carl}", status[]=offline (the client encodes the array)`);
  m = await oc.get('/v1/groups.members', { roomName: group, filter: carl, status: ['offline'] });
  check(same(m.members.map((x) => x.username), [carl]), `members ${JSON.stringify(m.members.map((x) => x.username))}`);

  step('groups.members', `as ${reg}, who is not a member`);
  await expectRejection(regc.get('/v1/groups.members', { roomId: gid }), 400, 'error-room-not-found',
    'private group of others');

  step('groups.addOwner', carl);
  check((await oc.post('/v1/groups.addOwner', { roomId: gid, userId: ids[carl] })).success === true, 'added');

  step('groups.roles', 'by roomName');
  holders = rolesOf(await oc.get('/v1/groups.roles', { roomName: group }));
  check(same(holders, { [olga]: ['owner'], [carl]: ['owner'] }),
    `roles ${JSON.stringify(holders)}`);

  step('groups.removeOwner', carl);
  check((await oc.post('/v1/groups.removeOwner', { roomId: gid, userId: ids[carl] })).success === true, 'removed');

  step('groups.roles', 'by roomId');
  holders = rolesOf(await oc.get('/v1/groups.roles', { roomId: gid }));
  check(same(holders, { [olga]: ['owner'] }), `${olga} is the sole owner: ${JSON.stringify(holders)}`);

  step('rooms.info', 'the channel by roomName');
  let room1 = (await oc.get('/v1/rooms.info', { roomName: channel })).room;
  check(room1._id === room && room1.t === 'c', `${room1.name} (${room1.t})`);

  step('rooms.info', 'the group by roomId');
  room1 = (await oc.get('/v1/rooms.info', { roomId: gid })).room;
  check(room1.name === group && room1.t === 'p', `${room1.name} (${room1.t})`);

  step('users.info', `${olga} with includeUserRooms=true`);
  const rooms = (await admin.get('/v1/users.info', { userId: ids[olga], includeUserRooms: true })).user.rooms ?? [];
  check([room, gid].every((rid) => rooms.some((r) => r.rid === rid)), `rooms ${JSON.stringify(rooms.map((r) => r.name).sort())}`);

  step('subscriptions.getOne', `${olga}'s subscription to the group`);
  const sub = (await oc.get('/v1/subscriptions.getOne', { roomId: gid })).subscription;
  check(sub.rid === gid && sub.name === group && sub.u._id === ids[olga] && (sub.roles || []).includes('owner'),
    `rid ${sub.rid}, t ${sub.t}, roles ${JSON.stringify(sub.roles)}`);

  step('permissions.listAll', 'as admin');
  const perms = await admin.get('/v1/permissions.listAll');
  check(perms.success && Array.isArray(perms.update) && Array.isArray(perms.remove), `${perms.update.length} permissions`);
  const target = perms.update.find((p) => p._id === 'manage-moderation-actions');
  check(target, 'manage-moderation-actions is listed');
  const oldRoles = [...target.roles];

  step('permissions.update', 'grant manage-moderation-actions to `user`, then restore');
  let up = await admin.post('/v1/permissions.update', { permissions: [{ _id: target._id, roles: [...oldRoles, 'user'] }] });
  check(up.success && up.permissions.find((p) => p._id === target._id).roles.includes('user'), 'granted');
  up = await admin.post('/v1/permissions.update', { permissions: [{ _id: target._id, roles: oldRoles }] });
  check(same(sorted(up.permissions.find((p) => p._id === target._id).roles), sorted(oldRoles)),
    `restored to ${JSON.stringify(oldRoles)}`);

  step('users.setActiveStatus', `${olga} activeStatus="yes" is refused by validation`);
  await expectRejection(admin.post('/v1/users.setActiveStatus', { userId: ids[olga], activeStatus: 'yes' }),
    400, 'invalid-params', 'not a boolean', 'must be boolean');

  step('users.setActiveStatus', `${olga} activeStatus=false, no confirmRelinquish`);
  const refusal = await expectRejection(
    admin.post('/v1/users.setActiveStatus', { userId: ids[olga], activeStatus: false }),
    400, 'user-last-owner', 'sole owner');
  check(same(sorted(refusal.details?.shouldChangeOwner ?? []), sorted([channel, group])),
    `details.shouldChangeOwner ${JSON.stringify(refusal.details?.shouldChangeOwner)}`);
  check(same(refusal.details?.shouldBeRemoved, []), 'details.shouldBeRemoved is empty');
  check((await admin.get('/v1/users.info', { userId: ids[olga] })).user.active === true, `${olga} is still active`);

  step('users.setActiveStatus', `${olga} activeStatus=false, confirmRelinquish=true`);
  const done = await admin.post('/v1/users.setActiveStatus', { userId: ids[olga], activeStatus: false, confirmRelinquish: true });
  check(done.success && done.user._id === ids[olga] && done.user.active === false, `${olga} active=${done.user.active}`);

  step('channels.roles', 'after the handover');
  holders = rolesOf(await admin.get('/v1/channels.roles', { roomId: room }));
  check(same(holders[ada], ['owner']) && !(carl in holders),
    `${ada}, the earliest-joined active member, is owner: ${JSON.stringify(holders)}`);

  step('groups.roles', 'after the handover');
  holders = rolesOf(await admin.get('/v1/groups.roles', { roomName: group }));
  check(same(holders[ada], ['owner']) && !(carl in holders), `roles ${JSON.stringify(holders)}`);

  step('me', `${olga}'s credentials after the deactivation`);
  await expectRejection(oc.get('/v1/me'), 401, null, 'revoked token');

  step('users.setActiveStatus', `reactivate ${olga}`);
  const back = await admin.post('/v1/users.setActiveStatus', { userId: ids[olga], activeStatus: true });
  check(back.success && back.user.active === true, 'active again');

  step('logout', `${reg}`);
  const out = await regc.post('/v1/logout');
  check(out.status === 'success', `answer ${JSON.stringify(out)}`);

  step('me', `${reg}'s credentials after logout`);
  await expectRejection(regc.get('/v1/me'), 401, null, 'logged-out token');

  step('logout', ADMIN_USER);
  check((await admin.post('/v1/logout')).status === 'success', 'admin logged out');

  console.log(`rc-node-client story: all ${stepNo} steps passed; operations: ${covered.join(', ')}`);
}

main().catch(async (e) => {
  // A rejection the story did not expect: the client rejects with the fetch Response.
  if (e instanceof Response) {
    console.log(`  FAIL: unexpected rejection ${e.status} ${e.url}: ${await e.text().catch(() => '?')}`);
  } else {
    console.log(`  FAIL: ${e?.stack || e}`);
  }
  process.exit(1);
});
