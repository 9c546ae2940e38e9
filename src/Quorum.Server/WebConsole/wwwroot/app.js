// The Quorum web console: members, health, a key browser and a watch tail, all through the node's
// own HTTP API (see api.js). Text from the cluster is only ever set as textContent, never as HTML.
import { anonymous, ApiError, call, getJson, keyPath, logIn, logOut, loggedIn, watch, whenUnauthorized } from './api.js';

const PollMilliseconds = 1500;
const WatchRetryMilliseconds = 1000;
const MaxWatchEntries = 500;
const ListPageSize = 100;

const $ = (id) => document.getElementById(id);
let askingForLogin = false;
let watching = null;
let nextPageAfter = null;

// ----- helpers

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function say(id, text, kind = '') {
  $(id).textContent = text;
  $(id).className = kind;
}

/** Puts an API failure in words; a 403 reads "Not permitted", a 412 "Conflict". */
function describe(error) {
  if (!(error instanceof ApiError)) return 'The node did not answer: ' + error.message;
  switch (error.status) {
    case 403: return 'Not permitted: ' + error.message;
    case 412: return 'Conflict: ' + error.message + ' Nothing was written; list the keys again for the current revision.';
    default: return `Error ${error.status}: ${error.message}`;
  }
}

/** A value as text when it is UTF-8, else its size. */
function showValue(base64) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return `(${bytes.length} bytes, binary)`;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ----- login

whenUnauthorized(() => {
  if (askingForLogin) return;
  askingForLogin = true;
  stopWatch();
  $('main').hidden = true;
  $('login').hidden = false;
  $('logout').hidden = true;
  $('user').textContent = '';
  $('login-user').focus();
});

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  say('login-error', '');
  try {
    await logIn($('login-user').value, $('login-password').value);
  } catch (error) {
    say('login-error', error.status === 401 ? 'Wrong user name or password.' : describe(error), 'error');
    return;
  } finally {
    $('login-password').value = '';
  }
  askingForLogin = false;
  $('login').hidden = true;
  $('main').hidden = false;
  await showUser();
  await listKeys(null);
});

$('logout').addEventListener('click', () => {
  logOut();
  $('members').tBodies[0].replaceChildren();
  $('keys').tBodies[0].replaceChildren();
  call('GET', '/auth/whoami').catch(() => {}); // a 401 brings the login form back
});

async function showUser() {
  if (!loggedIn()) return;
  const me = await getJson('/auth/whoami');
  $('user').textContent = `${me.name}${me.roles.length ? ' (' + me.roles.join(', ') + ')' : ''}`;
  $('logout').hidden = false;
}

// ----- members and health, polled

async function probe(path) {
  try {
    const response = await anonymous(path);
    const body = await response.json().catch(() => ({}));
    return { ok: response.ok, text: response.ok ? body.status ?? 'ok' : body.error ?? String(response.status) };
  } catch {
    return { ok: false, text: 'unreachable' };
  }
}

async function refreshHealth() {
  for (const [id, path] of [['health', '/health'], ['ready', '/ready']]) {
    const { ok, text } = await probe(path);
    $(id).textContent = `${id}: ${text}`;
    $(id).className = 'pill ' + (ok ? 'ok' : 'bad');
  }
}

/** Members from GET /cluster/status: the node asks every member for its own /status, so each row shows that member's own figures. */
async function refreshMembers() {
  const cluster = await getJson('/cluster/status');
  const status = cluster.members.find((m) => m.id === cluster.node).status;
  $('node').textContent = `node ${status.id} · ${status.state} · term ${status.term}`;
  const rows = status.members.map((member) => {
    const self = member.id === status.id;
    const own = cluster.members.find((m) => m.id === member.id) ?? { error: 'not in the answer' };
    const figures = own.status ? [own.status.term, own.status.commitIndex, own.status.appliedIndex] : ['—', '—', '—'];
    const http = member.http ? el('a', { href: member.http + '/ui/', textContent: member.http }) : '—';
    const row = el('tr', { className: self ? 'self' : own.status ? 'peer' : 'unreachable', title: own.error ?? '' },
      el('td', { className: 'leader-mark', textContent: member.leader ? '★' : '' }),
      el('td', { className: 'member-id', textContent: member.id }),
      el('td', { className: 'role', textContent: own.status ? own.status.state : 'unreachable' }),
      ...figures.map((figure) => el('td', { className: 'number', textContent: String(figure) })),
      el('td', {}, http),
      el('td', { textContent: member.address }));
    row.dataset.member = member.id;
    return row;
  });
  $('members').tBodies[0].replaceChildren(...rows);
  const unreachable = cluster.members.filter((m) => !m.status).map((m) => `${m.id} (${m.error})`);
  say('members-note', (status.leader ? '' : 'No leader is known at the moment. ')
    + `Each row is the member's own answer, gathered by node ${status.id}; the leader mark is ${status.id}'s view.`
    + (unreachable.length ? ` Not answering: ${unreachable.join(', ')}.` : ''), 'note');
}

async function poll() {
  await refreshHealth();
  if (!askingForLogin) {
    try {
      await refreshMembers();
    } catch (error) {
      if (error.status !== 401) say('members-note', describe(error), 'error');
    }
  }
  setTimeout(poll, PollMilliseconds);
}

// ----- key browser

async function listKeys(after) {
  const prefix = $('list-prefix').value;
  const query = new URLSearchParams({ prefix, limit: String(ListPageSize) });
  if (after !== null) query.set('after', after);
  const body = $('keys').tBodies[0];
  try {
    const page = await getJson('/keys?' + query);
    body.replaceChildren(...page.items.map(keyRow));
    nextPageAfter = page.more ? page.items.at(-1).key : null;
    $('list-next').hidden = nextPageAfter === null;
    say('keys-status', `${page.items.length} key(s) under "${prefix}" at revision ${page.revision}${page.more ? '; more follow' : ''}.`, 'note');
  } catch (error) {
    body.replaceChildren();
    $('list-next').hidden = true;
    if (error.status !== 401) say('keys-status', describe(error), 'error');
  }
}

/** Seconds as the shortest of h, m and s: 3600 → "1h", 90 → "1m30s". */
function humanSeconds(total) {
  const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
  return (h ? h + 'h' : '') + (m ? m + 'm' : '') + (s || (!h && !m) ? s + 's' : '');
}

/** A leased key's TTL (the API writes whole milliseconds) and about how long it has left (the leader's clock at the write plus the TTL). */
function ttlText(item) {
  if (!item.ttl) return '—';
  const ms = /^(\d+)ms$/.exec(item.ttl);
  const ttl = ms && Number(ms[1]) % 1000 === 0 ? humanSeconds(Number(ms[1]) / 1000) : item.ttl;
  const left = Math.max(0, Math.round((Date.parse(item.expiresAt) - Date.now()) / 1000));
  return `${ttl} (~${humanSeconds(left)} left)`;
}

function keyRow(item) {
  const text = showValue(item.value);
  const edit = el('button', { type: 'button', textContent: 'Edit', title: 'Fill the put form, guarded by this revision' });
  edit.addEventListener('click', () => {
    $('put-key').value = item.key;
    $('put-value').value = text;
    $('put-revision').value = String(item.revision);
    $('put-value').focus();
  });
  const remove = el('button', { type: 'button', textContent: 'Delete', title: 'Delete if still at this revision' });
  remove.addEventListener('click', () => write('DELETE', item.key, null, item.revision, null));
  const row = el('tr', {},
    el('td', {}, el('code', { className: 'key', textContent: item.key })),
    el('td', { className: 'value', textContent: text }),
    el('td', { className: 'number revision', textContent: String(item.revision) }),
    el('td', { className: 'ttl', textContent: ttlText(item), title: item.expiresAt ? 'expires at about ' + item.expiresAt : '' }),
    el('td', { className: 'actions' }, edit, remove));
  row.dataset.key = item.key;
  return row;
}

/** PUT or DELETE, with If-Match when a revision is given; the answer (or refusal) shows under the form. */
async function write(method, key, value, revision, ttl) {
  const headers = revision === null ? {} : { 'If-Match': `"${revision}"` };
  const path = keyPath(key) + (ttl ? '?ttl=' + encodeURIComponent(ttl) : '');
  try {
    const answer = await (await call(method, path, { body: value, headers })).json();
    say('put-result', `${method === 'DELETE' ? 'Deleted' : 'Wrote'} "${key}" at revision ${answer.revision}.`, 'ok');
    $('put-revision').value = '';
    await listKeys(null);
  } catch (error) {
    if (error.status !== 401) say('put-result', describe(error), error.status === 412 ? 'error conflict' : 'error');
  }
}

$('list-form').addEventListener('submit', (event) => {
  event.preventDefault();
  listKeys(null);
});
$('list-next').addEventListener('click', () => listKeys(nextPageAfter));

$('put-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const revision = $('put-revision').value.trim();
  if (revision !== '' && !/^\d+$/.test(revision)) {
    say('put-result', 'The revision must be a whole number (or empty for an unguarded put).', 'error');
    return;
  }
  write('PUT', $('put-key').value, $('put-value').value, revision === '' ? null : revision, $('put-ttl').value.trim());
});

// ----- watch tail

function stopWatch() {
  watching?.abort();
  watching = null;
  $('watch-submit').disabled = false;
  $('watch-stop').disabled = true;
}

function showChange(change) {
  const log = $('watch-log');
  const entry = el('li', { className: change.type },
    el('span', { className: 'revision', textContent: '#' + change.revision }), ' ',
    el('b', { textContent: change.type }), ' ',
    el('code', { className: 'key', textContent: change.key }));
  if (change.type === 'put') entry.append(' = ', el('span', { className: 'value', textContent: showValue(change.value) }));
  entry.dataset.key = change.key;
  log.prepend(entry);
  while (log.childElementCount > MaxWatchEntries) log.lastElementChild.remove();
}

async function startWatch() {
  stopWatch();
  const prefix = $('watch-prefix').value;
  const controller = new AbortController();
  watching = controller;
  $('watch-submit').disabled = true;
  $('watch-stop').disabled = false;
  $('watch-log').replaceChildren();
  let from = null;
  while (!controller.signal.aborted) {
    try {
      await watch(prefix, from, ({ event, data }) => {
        if (event === 'start') {
          say('watch-status', `Watching "${prefix}" from revision ${data.revision}.`, 'note');
        } else if (event === 'cutoff') {
          say('watch-status', `Cut off (${data.error}); resuming from revision ${data.revision}.`, 'error');
          from = data.revision;
        } else {
          showChange(data);
          from = data.revision + 1;
        }
      }, controller.signal);
    } catch (error) {
      if (controller.signal.aborted || error.status === 401) return;
      if (error instanceof ApiError && error.status < 500) {
        say('watch-status', describe(error), 'error');
        stopWatch();
        return;
      }
      say('watch-status', `Watch interrupted (${describe(error)}); retrying.`, 'error');
    }
    await sleep(WatchRetryMilliseconds);
  }
}

$('watch-form').addEventListener('submit', (event) => {
  event.preventDefault();
  startWatch();
});
$('watch-stop').addEventListener('click', () => {
  stopWatch();
  say('watch-status', 'Not watching.', 'note');
});

// ----- snapshot download (root only); fetched with the token, saved through a Blob

$('snapshot').addEventListener('click', async () => {
  $('notice').hidden = true;
  try {
    const response = await call('GET', '/snapshot');
    const name = /filename="?([^";]+)"?/.exec(response.headers.get('Content-Disposition') ?? '')?.[1] ?? 'quorum.snapshot';
    const url = URL.createObjectURL(await response.blob());
    const link = el('a', { href: url, download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (error) {
    if (error.status === 401) return;
    $('notice').textContent = 'Snapshot: ' + describe(error);
    $('notice').hidden = false;
  }
});

// ----- start

poll();
listKeys(null);
