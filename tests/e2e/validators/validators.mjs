#!/usr/bin/env node
// Rocket.Chat's own request validators (@rocket.chat/rest-typings, bundled by esbuild into
// dist/rest-typings.cjs) against a live rocketlite: every case of corpus.json goes to the
// validator and, the same bytes, to the server. Run by tests/e2e/validators.sh.
//
//   BASE_URL=http://127.0.0.1:3000 USER_ID=... AUTH_TOKEN=... node validators.mjs [--only=op,op] [--verbose] [--propose]
//
// USER_ID/AUTH_TOKEN must belong to an admin. First creates fixtures through the API (four
// users, a channel and a private group, all named with a random run suffix), then runs the
// cases in corpus order.
//
// Verdicts. The validator sees what Rocket.Chat's router hands it: a JSON body parsed (no
// body = {}), a form body as Object.fromEntries(formData), a query string through
// qs.parse(qs, {arrayLimit: 500, throwOnLimitExceeded: true}). rocketlite "refused by
// validation" iff it answers 400 with errorType invalid-params (or error-invalid-params, the
// type Rocket.Chat's router gives query failures); anything else (200, 401, 403, 404, other
// 400s) is "accepted by validation". A case agrees when validator.valid === !refused. A
// disagreement listed in docs/compatibility.md's table under the heading containing "Validator
// differences" (| operation | case | reason |, case `*` = every case of the operation) is
// documented; any other fails the run, and so does any 5xx answer. Operations without a
// validator only have rocketlite's status recorded.
//
// --only=op,op   runs only those operations (fixtures are still created)
// --verbose      also lists the documented differences
// --propose      prints a README table row for each undocumented disagreement
// Env: REPORT (default /tmp/rl-validators-<run>.json): every case's input, verdicts, answers.
// Exit: 0 all agree or documented, 1 otherwise, 2 when the run itself could not be done.

import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',').filter(Boolean);

const env = (name) => {
	const v = process.env[name];
	if (!v) fail(`set ${name}`);
	return v;
};
function fail(message) {
	console.error(`!! ${message}`);
	process.exit(2);
}

const BASE_URL = env('BASE_URL').replace(/\/$/, '');
const ADMIN = { id: env('USER_ID'), token: env('AUTH_TOKEN') };
const README = path.resolve(process.env.README || path.join(HERE, '..', '..', '..', 'docs', 'compatibility.md'));
const require = createRequire(import.meta.url);
const rt = require(process.env.REST_TYPINGS_BUNDLE || path.join(HERE, 'dist', 'rest-typings.cjs'));
const { qs } = rt;
const corpus = JSON.parse(readFileSync(path.join(HERE, 'corpus.json'), 'utf8'));

// ------------------------------------------------------------------------------------ HTTP

async function http(method, urlPath, { auth, json, form, raw, query } = {}) {
	const headers = {};
	if (auth) Object.assign(headers, { 'X-User-Id': auth.id, 'X-Auth-Token': auth.token });
	let body;
	if (json !== undefined) {
		headers['Content-Type'] = 'application/json';
		body = JSON.stringify(json);
	} else if (form !== undefined) {
		headers['Content-Type'] = 'application/x-www-form-urlencoded';
		body = form;
	} else if (raw !== undefined) {
		headers['Content-Type'] = 'application/json';
		body = raw === '' ? undefined : raw;
	}
	const url = BASE_URL + urlPath + (query ? `?${query}` : '');
	let res;
	try {
		res = await fetch(url, { method, headers, body });
	} catch (e) {
		fail(`${method} ${url}: ${e.cause?.message ?? e.message}`);
	}
	const text = await res.text();
	let parsed;
	try {
		parsed = JSON.parse(text);
	} catch {
		parsed = text;
	}
	return { status: res.status, body: parsed };
}

async function must(what, promise) {
	const r = await promise;
	if (r.status !== 200 || r.body?.success !== true) fail(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
	return r.body;
}

// ------------------------------------------------------------------------------------ fixtures

const RUN = randomBytes(3).toString('hex');

async function createFixtures() {
	const me = await must('GET /api/v1/me', http('GET', '/api/v1/me', { auth: ADMIN }));
	const user = async (prefix) => {
		const username = `${prefix}-${RUN}`;
		const password = `pw-${username}`;
		const email = `${username}@example.org`;
		const r = await must(`users.create ${username}`, http('POST', '/api/v1/users.create', {
			auth: ADMIN, json: { username, email, name: `Validators ${username}`, password },
		}));
		return { id: r.user._id, username, email, password };
	};
	const member = await user('vm');
	const target = await user('vt');
	const outsider = await user('vo');
	const login = await user('vl');
	const loggedIn = await must('login', http('POST', '/api/v1/login', { json: { user: login.username, password: login.password } }));
	const channel = await must('channels.create', http('POST', '/api/v1/channels.create', {
		auth: ADMIN, json: { name: `vc-${RUN}`, members: [member.username] },
	}));
	const group = await must('groups.create', http('POST', '/api/v1/groups.create', {
		auth: ADMIN, json: { name: `vg-${RUN}`, members: [member.username] },
	}));
	const perms = await must('permissions.listAll', http('GET', '/api/v1/permissions.listAll', { auth: ADMIN }));
	const perm = perms.update.find((p) => p._id === 'view-d-room') ?? perms.update[0];
	return {
		RUN,
		ADMIN_ID: ADMIN.id,
		ADMIN_USERNAME: me.username,
		USER_ID: member.id,
		USERNAME: member.username,
		USER_EMAIL: member.email,
		TARGET_ID: target.id,
		OUTSIDER_ID: outsider.id,
		OUTSIDER_USERNAME: outsider.username,
		LOGIN_ID: login.id,
		LOGIN_USERNAME: login.username,
		LOGIN_EMAIL: login.email,
		LOGIN_PASSWORD: login.password,
		LOGIN_DIGEST: createHash('sha256').update(login.password).digest('hex'),
		LOGIN_TOKEN: loggedIn.data.authToken,
		ROOM_ID: channel.channel._id,
		ROOM_NAME: channel.channel.name,
		GROUP_ID: group.group._id,
		GROUP_NAME: group.group.name,
		PERM_ID: perm._id,
		PERM_ROLES: perm.roles,
	};
}

// Replaces $PLACEHOLDERS in every string of `value`; a string that is exactly "$PERM_ROLES"
// becomes the roles array itself.
function substitute(value, vars) {
	if (typeof value === 'string') {
		if (value === '$PERM_ROLES') return structuredClone(vars.PERM_ROLES);
		return value.replace(/\$([A-Z_]+)/g, (_, name) => {
			if (!(name in vars) || typeof vars[name] !== 'string') fail(`unknown placeholder $${name}`);
			return vars[name];
		});
	}
	if (Array.isArray(value)) return value.map((v) => substitute(v, vars));
	if (value && typeof value === 'object') {
		return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)]));
	}
	return value;
}

// ------------------------------------------------------------------------------------ one case

const QS_PARSE = { arrayLimit: 500, throwOnLimitExceeded: true };

// What is sent, and what Rocket.Chat's router would hand the validator.
function wire(c) {
	if ('query' in c) {
		const q = qs.stringify(c.query, { arrayFormat: 'brackets' });
		return { kind: 'query', shown: q, send: { query: q }, parse: () => qs.parse(q, QS_PARSE) };
	}
	if ('queryString' in c) {
		const q = c.queryString;
		return { kind: 'query', shown: q, send: { query: q }, parse: () => qs.parse(q, QS_PARSE) };
	}
	if ('form' in c) {
		const f = new URLSearchParams(c.form).toString();
		return { kind: 'form', shown: f, send: { form: f }, parse: () => Object.fromEntries(new URLSearchParams(f)) };
	}
	if ('rawBody' in c) {
		const r = c.rawBody;
		return { kind: 'body', shown: r === '' ? '(no body)' : r, send: { raw: r }, parse: () => (r.trim() === '' ? {} : JSON.parse(r)) };
	}
	if ('body' in c) {
		const text = JSON.stringify(c.body);
		return { kind: 'body', shown: text, send: { json: c.body }, parse: () => JSON.parse(text) };
	}
	return { kind: 'none', shown: '', send: {}, parse: () => ({}) };
}

function validate(name, w) {
	if (!name) return null;
	const fn = rt[name];
	if (typeof fn !== 'function') fail(`@rocket.chat/rest-typings has no export ${name}`);
	let data;
	try {
		data = w.parse();
	} catch (e) {
		// Rocket.Chat's router refuses an unparseable query or body before any validator.
		return { valid: false, errors: [`unparseable input: ${e.message}`] };
	}
	const before = JSON.stringify(data);
	const valid = fn(data) === true; // ajv coerces `data` in place
	const out = { valid, errors: valid ? [] : (fn.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`) };
	if (JSON.stringify(data) !== before) out.coerced = data;
	return out;
}

async function freshToken(vars) {
	const r = await must('login (fresh token)', http('POST', '/api/v1/login', {
		json: { user: vars.LOGIN_USERNAME, password: vars.LOGIN_PASSWORD },
	}));
	return { id: r.data.userId, token: r.data.authToken };
}

let unique = 0;
async function runCase(c, vars) {
	const spec = corpus.ops[c.op];
	const caseVars = { ...vars, UNIQUE: `${RUN}${(unique++).toString(36)}` };
	const input = substitute(c, caseVars);
	const w = wire(input);
	const validator = validate(spec.validator, w);
	const mode = c.auth ?? spec.auth ?? 'admin';
	const auth = mode === 'none' ? undefined : mode === 'fresh' ? await freshToken(vars) : ADMIN;
	const answer = await http(spec.method, spec.path, { auth, ...w.send });
	const refused = answer.status === 400 && ['invalid-params', 'error-invalid-params'].includes(answer.body?.errorType);
	return {
		op: c.op,
		id: c.id,
		kind: w.kind,
		input: w.shown,
		validator: validator && { name: spec.validator, ...validator },
		rocketlite: { status: answer.status, refused, body: answer.body },
		agree: validator ? validator.valid === !refused : null,
	};
}

// ------------------------------------------------------------------------------------ README

// The rows of the first markdown table after the heading line containing "Validator
// differences": {op, case, reason}.
function documentedDifferences() {
	let text;
	try {
		text = readFileSync(README, 'utf8');
	} catch (e) {
		return { rows: [], note: `cannot read ${README}: ${e.message}` };
	}
	const lines = text.split('\n');
	const start = lines.findIndex((l) => /^#{1,6}\s/.test(l) && l.includes('Validator differences'));
	if (start < 0) return { rows: [], note: `${README} has no heading containing "Validator differences": no difference is documented` };
	const rows = [];
	let inTable = false;
	for (const line of lines.slice(start + 1)) {
		if (/^#{1,6}\s/.test(line)) break;
		if (!line.trim().startsWith('|')) {
			if (inTable) break;
			continue;
		}
		inTable = true;
		const cells = line.trim().replace(/^\|/, '').replace(/\|$/, '')
			.split(/(?<!\\)\|/).map((s) => s.replace(/\\\|/g, '|').trim().replace(/^`(.*)`$/, '$1').replace(/^\\\*$/, '*'));
		if (cells.length < 2 || /^:?-+:?$/.test(cells[0]) || cells[0].toLowerCase() === 'operation') continue;
		rows.push({ op: cells[0], case: cells[1], reason: cells.slice(2).join(' | ') });
	}
	return { rows };
}

// ------------------------------------------------------------------------------------ main

const pad = (s, n) => String(s).padEnd(n);
const padl = (s, n) => String(s).padStart(n);
const clip = (s, n = 400) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);

async function main() {
	const started = Date.now();
	const vars = await createFixtures();
	console.log(`== fixtures (run ${RUN}): users ${vars.USERNAME}, vt-${RUN}, ${vars.OUTSIDER_USERNAME}, ${vars.LOGIN_USERNAME}; channel ${vars.ROOM_NAME} (${vars.ROOM_ID}); group ${vars.GROUP_NAME} (${vars.GROUP_ID})`);

	if (only) for (const o of only) if (!corpus.ops[o]) fail(`--only: unknown operation ${o}`);
	const cases = corpus.cases.filter((c) => !only || only.includes(c.op));
	const results = [];
	for (const c of cases) results.push(await runCase(c, vars));

	const { rows, note } = documentedDifferences();
	if (note) console.log(`== note: ${note}`);
	const documentedBy = (r) => rows.find((d) => d.op === r.op && (d.case === r.id || d.case === '*'));
	for (const r of results) {
		if (r.agree === null) r.verdict = 'recorded';
		else if (r.agree) r.verdict = 'agree';
		else {
			const d = documentedBy(r);
			r.verdict = d ? 'documented' : 'undocumented';
			if (d) r.reason = d.reason;
		}
	}

	// The table.
	const ops = [...new Set(results.map((r) => r.op))];
	console.log();
	console.log(`${pad('operation', 22)} ${pad('validator', 33)} ${padl('cases', 5)} ${padl('agree', 5)} ${padl('documented', 10)} ${padl('undocumented', 12)}`);
	const total = { cases: 0, agree: 0, documented: 0, undocumented: 0 };
	for (const op of ops) {
		const rs = results.filter((r) => r.op === op);
		const validatorName = corpus.ops[op].validator;
		if (!validatorName) {
			const statuses = {};
			for (const r of rs) statuses[r.rocketlite.status] = (statuses[r.rocketlite.status] ?? 0) + 1;
			const summary = Object.entries(statuses).map(([s, n]) => `${s}×${n}`).join(' ');
			console.log(`${pad(op, 22)} ${pad('(none)', 33)} ${padl(rs.length, 5)}   rocketlite: ${summary}`);
			continue;
		}
		const n = (v) => rs.filter((r) => r.verdict === v).length;
		const row = { cases: rs.length, agree: n('agree'), documented: n('documented'), undocumented: n('undocumented') };
		for (const k of Object.keys(total)) total[k] += row[k];
		console.log(`${pad(op, 22)} ${pad(validatorName, 33)} ${padl(row.cases, 5)} ${padl(row.agree, 5)} ${padl(row.documented, 10)} ${padl(row.undocumented, 12)}${corpus.ops[op].note ? `   (${corpus.ops[op].note})` : ''}`);
	}
	console.log(`${pad('total', 22)} ${pad('', 33)} ${padl(total.cases, 5)} ${padl(total.agree, 5)} ${padl(total.documented, 10)} ${padl(total.undocumented, 12)}`);

	const show = (r) => {
		console.log(`  ${r.op} / ${r.id}`);
		console.log(`    input (${r.kind}): ${clip(r.input)}`);
		if (r.validator.coerced) console.log(`    after ajv's coercion (what the route would get): ${clip(JSON.stringify(r.validator.coerced))}`);
		console.log(`    ${r.validator.name}: ${r.validator.valid ? 'valid' : `invalid: ${r.validator.errors.join('; ')}`}`);
		console.log(`    rocketlite: ${r.rocketlite.status} ${clip(JSON.stringify(r.rocketlite.body), 300)}`);
	};
	const undocumented = results.filter((r) => r.verdict === 'undocumented');
	if (undocumented.length) {
		console.log(`\n== ${undocumented.length} undocumented disagreement(s):`);
		undocumented.forEach(show);
	}
	if (flag('verbose')) {
		const documented = results.filter((r) => r.verdict === 'documented');
		if (documented.length) console.log(`\n== ${documented.length} documented difference(s):`);
		for (const r of documented) {
			show(r);
			console.log(`    documented: ${r.reason}`);
		}
	}

	// 5xx is never an answer to a malformed request.
	const serverErrors = results.filter((r) => r.rocketlite.status >= 500);
	if (serverErrors.length) {
		console.log(`\n== ${serverErrors.length} server error(s):`);
		for (const r of serverErrors) console.log(`  ${r.op} / ${r.id}: ${r.rocketlite.status} ${JSON.stringify(r.rocketlite.body)} for (${r.kind}) ${clip(r.input)}`);
	}

	// README rows that document nothing (any more), or name what the corpus does not have.
	const stale = rows.filter((d) => !results.some((r) => r.op === d.op && (d.case === '*' || r.id === d.case) && r.verdict === 'documented'));
	const ranOps = new Set(ops);
	for (const d of stale) {
		if (only && !ranOps.has(d.op)) continue;
		const known = corpus.cases.some((c) => c.op === d.op && (d.case === '*' || c.id === d.case));
		console.log(`== note: README row "${d.op} | ${d.case}" ${known ? 'documents a case that agrees now' : 'names no case of the corpus'}`);
	}

	if (flag('propose') && undocumented.length) {
		console.log('\n== proposed README rows (fill in the reasons):');
		for (const r of undocumented) console.log(`| ${r.op} | ${r.id} | validator ${r.validator.valid ? 'accepts' : 'refuses'}, rocketlite ${r.rocketlite.refused ? 'refuses' : `answers ${r.rocketlite.status}`} |`);
	}

	const report = process.env.REPORT || `/tmp/rl-validators-${RUN}.json`;
	writeFileSync(report, JSON.stringify({ run: RUN, baseUrl: BASE_URL, fixtures: vars, documented: rows, results }, null, 1));
	const secs = ((Date.now() - started) / 1000).toFixed(1);
	console.log(`\n== ${results.length} cases in ${secs}s; every case: ${report}`);
	const failed = undocumented.length > 0 || serverErrors.length > 0;
	console.log(failed
		? `validators: FAIL (${undocumented.length} undocumented disagreement(s), ${serverErrors.length} server error(s))`
		: `validators: ok (${total.agree} agree, ${total.documented} documented)`);
	process.exit(failed ? 1 : 0);
}

main().catch((e) => fail(e?.stack ?? String(e)));
