// The blocking callables the AIO2xx rules know, by canonical name: module functions (`requests.get`) and methods
// of library classes (`requests.Session.get`, reached through `model.typeOf`). At least ruff's and flake8-async's
// ASYNC2xx lists; functions that only compute (`os.path.join`, `os.path.normpath`) are deliberately absent.
import type { WorkspaceIndex } from '../../model/workspaceIndex';
import { argumentAt, isFalsyLiteral, type CallArguments } from './arguments';

export type BlockingCategory = 'sleep' | 'http' | 'subprocess' | 'file-io' | 'input' | 'socket' | 'sync-primitive' | 'database';

/**
 * How the call moves off the loop: `call` runs it in a thread (`to_thread(f, *args)`); `iterate` returns a lazy
 * iterator whose consumption blocks, so the thread consumes it (`to_thread(list, f(*args))`); `none` has no fix.
 */
export type Offload = 'call' | 'iterate' | 'none';

export interface BlockingCallable {
  /** Canonical name: `requests.get`, `requests.Session.get`. */
  name: string;
  category: BlockingCategory;
  offload: Offload;
  /**
   * Running it in a worker thread keeps the program's meaning. False for methods of objects other tasks may share,
   * thread-affine objects (sqlite3 connections, RLocks) and `input()` (Ctrl+C no longer reaches it).
   */
  offloadSafe: boolean;
  /** Arguments with which the call returns at once (`lock.acquire(False)`, `os.waitpid(pid, os.WNOHANG)`). */
  returnsAtOnce?: (args: CallArguments) => boolean;
  /**
   * Code calls it in its non-blocking form about as often as not (`select.select(r, w, x, 0)`, `os.waitpid(pid,
   * WNOHANG)`): where the arguments are unknown (call-graph edges), it is not taken to block.
   */
  oftenPolled?: boolean;
}

export interface CategoryText {
  /** Verb phrase: "`requests.get()` makes a blocking HTTP request". */
  does: string;
  /** What to use instead, as the end of a sentence. */
  instead: string;
}

export const CATEGORY_TEXT: Readonly<Record<BlockingCategory, CategoryText>> = {
  sleep: { does: 'blocks the event loop', instead: 'Use `await asyncio.sleep()`.' },
  http: { does: 'makes a blocking HTTP request', instead: 'Use an async client (aiohttp, `httpx.AsyncClient`) or `await asyncio.to_thread(...)`.' },
  subprocess: {
    does: 'runs or waits for a subprocess synchronously',
    instead: 'Use `asyncio.create_subprocess_exec()` / `create_subprocess_shell()` or `await asyncio.to_thread(...)`.',
  },
  'file-io': { does: 'does blocking file-system I/O', instead: 'Use `await asyncio.to_thread(...)` (or an async file library such as aiofiles).' },
  input: { does: 'waits for terminal input', instead: 'Use `await asyncio.to_thread(input, ...)` or an async stream reader.' },
  socket: { does: 'blocks on a socket', instead: 'Use `asyncio.open_connection()` / `loop.sock_*()` or `await asyncio.to_thread(...)`.' },
  'sync-primitive': {
    does: 'waits on a thread synchronisation primitive',
    instead: 'Use the asyncio equivalent (`asyncio.Lock`, `asyncio.Event`, `asyncio.Queue`, `asyncio.wrap_future`) or `await asyncio.to_thread(...)`.',
  },
  database: {
    does: 'runs a blocking database call',
    instead: 'Use an async driver (aiosqlite, asyncpg, psycopg async, aiomysql, `redis.asyncio`, motor) or `await asyncio.to_thread(...)`.',
  },
};

interface ClassEntry {
  methods: Map<string, BlockingCallable>;
  /** Every other method blocks too (a Redis client sends each command over the network), except these. */
  otherMethods?: { except: ReadonlySet<string>; template: Omit<BlockingCallable, 'name'> };
}

const FUNCTIONS = new Map<string, BlockingCallable>();
const CLASSES = new Map<string, ClassEntry>();

type Options = Partial<Omit<BlockingCallable, 'name' | 'category'>>;

/** `names('os', ['stat', 'lstat'])` → `os.stat`, `os.lstat`. */
function names(prefix: string, members: string[]): string[] {
  return members.map((m) => (prefix ? `${prefix}.${m}` : m));
}

function functions(category: BlockingCategory, canonicalNames: string[], options: Options = {}): void {
  for (const name of canonicalNames) {
    FUNCTIONS.set(name, { name, category, offload: 'call', offloadSafe: true, ...options });
  }
}

function classEntry(cls: string): ClassEntry {
  let entry = CLASSES.get(cls);
  if (!entry) CLASSES.set(cls, (entry = { methods: new Map() }));
  return entry;
}

/** Methods are offloaded unsafely by default: the object may be shared with other tasks, or tied to its thread. */
function methods(category: BlockingCategory, classNames: string[], methodNames: string[], options: Options = {}): void {
  for (const cls of classNames) {
    const entry = classEntry(cls);
    for (const m of methodNames) {
      const name = `${cls}.${m}`;
      entry.methods.set(m, { name, category, offload: 'call', offloadSafe: false, ...options });
    }
  }
}

function allMethodsExcept(category: BlockingCategory, classNames: string[], except: string[]): void {
  for (const cls of classNames) {
    classEntry(cls).otherMethods = { except: new Set(except), template: { category, offload: 'call', offloadSafe: false } };
  }
}

// ---- returns at once with these arguments ---------------------------------------------------------------------

const zeroTimeoutAt = (position: number) => (args: CallArguments) => isFalsyLiteral(argumentAt(args, position, 'timeout'));
/** `acquire(blocking=True, timeout=-1)`. */
const nonBlockingAcquire = (args: CallArguments) => isFalsyLiteral(argumentAt(args, 0, 'blocking')) || zeroTimeoutAt(1)(args);
/** `Queue.get(block=True, timeout=None)`. */
const nonBlockingGet = (args: CallArguments) => isFalsyLiteral(argumentAt(args, 0, 'block')) || zeroTimeoutAt(1)(args);
/** `Queue.put(item, block=True, timeout=None)`. */
const nonBlockingPut = (args: CallArguments) => isFalsyLiteral(argumentAt(args, 1, 'block')) || zeroTimeoutAt(2)(args);
const withWnohang = (args: CallArguments) => [...args.positional, ...args.keywords.values()].some((a) => /\bWNOHANG\b/.test(a));

// ---- sleep (AIO200) -----------------------------------------------------------------------------------------

functions('sleep', ['time.sleep']);

// ---- HTTP (AIO201) ----------------------------------------------------------------------------------------

const HTTP_VERBS = ['request', 'get', 'options', 'head', 'post', 'put', 'patch', 'delete'];
functions('http', [...names('requests', HTTP_VERBS), ...names('requests.api', HTTP_VERBS)]);
functions('http', [...names('httpx', [...HTTP_VERBS, 'stream']), ...names('httpx2', [...HTTP_VERBS, 'stream'])]);
functions('http', ['urllib.request.urlopen', 'urllib.request.urlretrieve', 'urllib3.request']);
methods('http', ['requests.Session', 'requests.sessions.Session'], [...HTTP_VERBS, 'send']);
methods('http', ['httpx.Client', 'httpx2.Client'], [...HTTP_VERBS, 'send', 'stream', 'close']);
methods(
  'http',
  [
    'urllib3.PoolManager', 'urllib3.ProxyManager', 'urllib3.HTTPConnectionPool', 'urllib3.HTTPSConnectionPool',
    'urllib3.connectionpool.ConnectionPool', 'urllib3.connectionpool.HTTPConnectionPool', 'urllib3.connectionpool.HTTPSConnectionPool',
    'urllib3.poolmanager.PoolManager', 'urllib3.poolmanager.ProxyManager', 'urllib3.request.RequestMethods', 'urllib3._request_methods.RequestMethods',
  ],
  ['request', 'request_encode_url', 'request_encode_body', 'urlopen'],
);
methods('http', ['http.client.HTTPConnection', 'http.client.HTTPSConnection'], ['request', 'getresponse', 'connect', 'send', 'endheaders']);
methods('http', ['http.client.HTTPResponse'], ['read', 'read1', 'readinto', 'readline', 'readlines', 'peek']);
methods('http', ['urllib.request.OpenerDirector'], ['open']);

// ---- subprocesses (AIO202) ----------------------------------------------------------------------------------

functions('subprocess', names('subprocess', ['run', 'call', 'check_call', 'check_output', 'getoutput', 'getstatusoutput', 'Popen']));
functions('subprocess', names('os', ['system', 'popen', 'posix_spawn', 'posix_spawnp', 'spawnl', 'spawnle', 'spawnlp', 'spawnlpe', 'spawnv', 'spawnve', 'spawnvp', 'spawnvpe']));
functions('subprocess', names('os', ['wait', 'wait3', 'wait4', 'waitid', 'waitpid']), { returnsAtOnce: withWnohang, oftenPolled: true });
methods('subprocess', ['subprocess.Popen'], ['wait'], { returnsAtOnce: zeroTimeoutAt(0) });
methods('subprocess', ['subprocess.Popen'], ['communicate'], { returnsAtOnce: zeroTimeoutAt(1) });

// ---- files (AIO203) ---------------------------------------------------------------------------------------

functions('file-io', ['open', 'builtins.open', 'io.open', 'io.open_code', 'codecs.open', 'os.open', 'os.fdopen']);
functions(
  'file-io',
  names('os', [
    'stat', 'lstat', 'listdir', 'mkdir', 'makedirs', 'rmdir', 'removedirs', 'remove', 'unlink', 'rename', 'renames', 'replace',
    'chmod', 'chown', 'lchown', 'link', 'symlink', 'readlink', 'truncate', 'utime', 'access', 'statvfs', 'sync', 'fsync',
    'fdatasync', 'mkfifo', 'mknod', 'copy_file_range',
  ]),
);
functions('file-io', names('os', ['scandir', 'walk', 'fwalk']), { offload: 'iterate' });
const OS_PATH_IO = ['exists', 'lexists', 'isfile', 'isdir', 'islink', 'ismount', 'isjunction', 'getsize', 'getmtime', 'getatime', 'getctime', 'samefile', 'sameopenfile', 'realpath', '_joinrealpath'];
for (const module of ['os.path', 'posixpath', 'ntpath', 'genericpath']) functions('file-io', names(module, OS_PATH_IO));
functions(
  'file-io',
  names('shutil', ['copy', 'copy2', 'copyfile', 'copymode', 'copystat', 'copytree', 'copyfileobj', 'move', 'rmtree', 'make_archive', 'unpack_archive', 'disk_usage', 'chown', 'which']),
);
functions('file-io', ['glob.glob']);
functions('file-io', ['glob.iglob'], { offload: 'iterate' });
functions('file-io', names('tempfile', ['mkstemp', 'mkdtemp', 'TemporaryFile', 'NamedTemporaryFile', 'TemporaryDirectory']));
/** Concrete path classes (`PurePath` does no I/O); a `Path` is immutable, so offloading its methods is safe. */
export const PATH_CLASSES = ['pathlib.Path', 'pathlib.PosixPath', 'pathlib.WindowsPath'];
methods(
  'file-io',
  PATH_CLASSES,
  [
    'open', 'read_text', 'read_bytes', 'write_text', 'write_bytes', 'touch', 'mkdir', 'rmdir', 'unlink', 'rename', 'replace', 'exists',
    'is_dir', 'is_file', 'is_symlink', 'is_mount', 'is_socket', 'is_fifo', 'is_block_device', 'is_char_device', 'is_junction', 'stat',
    'lstat', 'chmod', 'lchmod', 'owner', 'group', 'readlink', 'resolve', 'samefile', 'symlink_to', 'hardlink_to', 'link_to',
  ],
  { offloadSafe: true },
);
methods('file-io', PATH_CLASSES, ['iterdir', 'glob', 'rglob', 'walk'], { offload: 'iterate', offloadSafe: true });
/** What `open()` returns. `io.StringIO`/`BytesIO` (memory) and `typing.IO` annotations (any stream) are not files. */
export const FILE_CLASSES = ['io.TextIOWrapper', 'io.BufferedReader', 'io.BufferedWriter', 'io.BufferedRandom', 'io.FileIO'];
methods('file-io', FILE_CLASSES, ['read', 'read1', 'readall', 'readinto', 'readinto1', 'readline', 'readlines', 'write', 'writelines', 'flush', 'close', 'truncate', 'seek', 'tell']);

// ---- terminal input (AIO204) ------------------------------------------------------------------------------

functions('input', ['input', 'builtins.input', 'getpass.getpass', 'sys.stdin.read', 'sys.stdin.readline', 'sys.stdin.readlines'], { offloadSafe: false });

// ---- sockets (AIO205) -------------------------------------------------------------------------------------

functions('socket', names('socket', ['create_connection', 'getaddrinfo', 'gethostbyname', 'gethostbyname_ex', 'gethostbyaddr', 'getnameinfo', 'getfqdn']));
functions('socket', ['ssl.wrap_socket', 'ssl.get_server_certificate']);
functions('socket', ['select.select'], { returnsAtOnce: zeroTimeoutAt(3), oftenPolled: true });
/** Socket classes: their blocking methods return at once on a socket set non-blocking (see `match.ts`). */
export const SOCKET_CLASSES = ['socket.socket', 'ssl.SSLSocket'];
const SOCKET_METHODS = ['accept', 'connect', 'connect_ex', 'recv', 'recvfrom', 'recv_into', 'recvfrom_into', 'recvmsg', 'recvmsg_into', 'send', 'sendall', 'sendto', 'sendmsg', 'sendfile'];
methods('socket', SOCKET_CLASSES, SOCKET_METHODS);
methods('socket', ['ssl.SSLSocket'], ['do_handshake', 'read', 'write', 'unwrap']);
methods('socket', ['ssl.SSLContext'], ['wrap_socket']);
methods('socket', ['select.poll', 'select.epoll', 'select.devpoll'], ['poll'], { returnsAtOnce: zeroTimeoutAt(0), oftenPolled: true });
methods('socket', ['select.kqueue'], ['control'], { returnsAtOnce: zeroTimeoutAt(2), oftenPolled: true });
methods(
  'socket',
  names('selectors', ['DefaultSelector', 'SelectSelector', 'PollSelector', 'EpollSelector', 'KqueueSelector', 'DevpollSelector', 'BaseSelector']),
  ['select'],
  { returnsAtOnce: zeroTimeoutAt(0), oftenPolled: true },
);

// ---- thread synchronisation (AIO206) ----------------------------------------------------------------------

const LOCKS = [...names('threading', ['Lock', 'RLock', 'Semaphore', 'BoundedSemaphore']), ...names('multiprocessing', ['Lock', 'RLock', 'Semaphore', 'BoundedSemaphore'])];
const CONDITIONS = ['threading.Condition', 'multiprocessing.Condition'];
// Reentrant locks and conditions belong to the thread that acquired them: acquiring (or waiting, which needs the
// lock held) in a worker thread breaks the release on the loop thread, so they get no thread fix.
const OWNED = ['threading.RLock', 'multiprocessing.RLock', ...CONDITIONS];
methods('sync-primitive', LOCKS.filter((l) => !OWNED.includes(l)), ['acquire'], { returnsAtOnce: nonBlockingAcquire });
methods('sync-primitive', OWNED, ['acquire'], { returnsAtOnce: nonBlockingAcquire, offload: 'none' });
methods('sync-primitive', CONDITIONS, ['wait'], { returnsAtOnce: zeroTimeoutAt(0), offload: 'none' });
methods('sync-primitive', CONDITIONS, ['wait_for'], { returnsAtOnce: zeroTimeoutAt(1), offload: 'none' });
methods('sync-primitive', ['threading.Event', 'multiprocessing.Event', 'threading.Barrier', 'multiprocessing.Barrier'], ['wait'], { returnsAtOnce: zeroTimeoutAt(0) });
methods('sync-primitive', ['threading.Thread', 'threading.Timer', 'multiprocessing.Process'], ['join'], { returnsAtOnce: zeroTimeoutAt(0) });
const QUEUES = [
  ...names('queue', ['Queue', 'LifoQueue', 'PriorityQueue', 'SimpleQueue']),
  ...names('multiprocessing', ['Queue', 'JoinableQueue', 'SimpleQueue']),
  ...names('multiprocessing.queues', ['Queue', 'JoinableQueue', 'SimpleQueue']),
];
methods('sync-primitive', QUEUES, ['get'], { returnsAtOnce: nonBlockingGet });
methods('sync-primitive', QUEUES, ['put'], { returnsAtOnce: nonBlockingPut });
methods('sync-primitive', ['queue.Queue', 'queue.LifoQueue', 'queue.PriorityQueue', 'multiprocessing.JoinableQueue', 'multiprocessing.queues.JoinableQueue'], ['join']);
methods('sync-primitive', ['concurrent.futures.Future'], ['result', 'exception'], { returnsAtOnce: zeroTimeoutAt(0) });
functions('sync-primitive', ['concurrent.futures.wait'], { returnsAtOnce: zeroTimeoutAt(1) });
functions('sync-primitive', ['concurrent.futures.as_completed'], { offload: 'iterate', returnsAtOnce: zeroTimeoutAt(1) });
/** Executors wait for every submitted job on `shutdown()` and when their `with` block ends. */
export const EXECUTOR_CLASSES = names('concurrent.futures', ['ThreadPoolExecutor', 'ProcessPoolExecutor', 'Executor']);
methods('sync-primitive', EXECUTOR_CLASSES, ['shutdown'], { returnsAtOnce: (args) => isFalsyLiteral(argumentAt(args, 0, 'wait')) });
const POOLS = ['multiprocessing.Pool', 'multiprocessing.pool.Pool', 'multiprocessing.pool.ThreadPool'];
methods('sync-primitive', POOLS, ['apply', 'map', 'starmap', 'join']);
methods('sync-primitive', ['multiprocessing.pool.AsyncResult', 'multiprocessing.pool.ApplyResult', 'multiprocessing.pool.MapResult'], ['get', 'wait'], { returnsAtOnce: zeroTimeoutAt(0) });

/** `with x:` on one of these blocks: acquiring a lock, or waiting for an executor's jobs when the block ends. */
export const BLOCKING_WITH_CLASSES: ReadonlyMap<string, 'acquire' | 'shutdown'> = new Map([
  ...[...LOCKS, ...CONDITIONS].map((c) => [c, 'acquire'] as const),
  ...names('concurrent.futures', ['ThreadPoolExecutor', 'ProcessPoolExecutor']).map((c) => [c, 'shutdown'] as const),
]);

// ---- databases (AIO207) -----------------------------------------------------------------------------------
// Connections are tied to the thread that made them (sqlite3 checks it), so no database call is offloaded safely.

const DB = { offloadSafe: false };
functions(
  'database',
  ['sqlite3.connect', 'psycopg2.connect', 'psycopg.connect', 'pymysql.connect', 'pymysql.Connect', 'pymysql.Connection', 'pymysql.connections.Connection', 'MySQLdb.connect', 'MySQLdb.Connect', 'MySQLdb.Connection', 'mysql.connector.connect'],
  DB,
);
methods('database', ['sqlite3.Connection'], ['execute', 'executemany', 'executescript', 'commit', 'rollback', 'close', 'backup', 'iterdump', 'blobopen'], DB);
methods('database', ['sqlite3.Cursor'], ['execute', 'executemany', 'executescript', 'fetchone', 'fetchmany', 'fetchall'], DB);
const SQL_CURSOR_METHODS = ['execute', 'executemany', 'callproc', 'fetchone', 'fetchmany', 'fetchall'];
methods('database', ['psycopg2.extensions.connection'], ['commit', 'rollback', 'close', 'cancel', 'reset'], DB);
methods('database', ['psycopg2.extensions.cursor'], [...SQL_CURSOR_METHODS, 'copy_from', 'copy_to', 'copy_expert'], DB);
methods('database', ['psycopg.Connection'], ['execute', 'commit', 'rollback', 'close', 'cancel'], DB);
methods('database', ['psycopg.Cursor', 'psycopg.ServerCursor'], [...SQL_CURSOR_METHODS, 'copy', 'scroll'], DB);
methods('database', ['pymysql.connections.Connection', 'pymysql.Connection', 'MySQLdb.connections.Connection', 'mysql.connector.connection.MySQLConnection'], ['commit', 'rollback', 'ping', 'select_db', 'query', 'close'], DB);
methods('database', [...names('pymysql.cursors', ['Cursor', 'DictCursor', 'SSCursor', 'SSDictCursor']), 'MySQLdb.cursors.Cursor', 'mysql.connector.cursor.MySQLCursor'], SQL_CURSOR_METHODS, DB);
/** A sync Redis client sends every command over the network; these few only build objects locally. */
export const REDIS_CLIENTS = ['redis.Redis', 'redis.client.Redis', 'redis.cluster.RedisCluster', 'redis.RedisCluster'];
allMethodsExcept('database', REDIS_CLIENTS, [
  'pipeline', 'pubsub', 'lock', 'register_script', 'get_encoder', 'get_connection_kwargs', 'set_response_callback', 'get_retry', 'set_retry',
  'load_external_module', 'monitor', 'from_url', 'from_pool', 'get_default_node', 'get_node',
]);
methods('database', ['redis.client.Pipeline'], ['execute'], DB);
methods('database', ['redis.client.PubSub'], ['get_message', 'subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe', 'ping'], DB);
methods('database', ['redis.client.PubSub'], ['listen'], { ...DB, offload: 'iterate' });
methods('database', ['redis.lock.Lock'], ['acquire', 'release', 'extend', 'reacquire'], DB);
/** pymongo: a client's attributes are databases, a database's attributes are collections (see `match.ts`). */
export const MONGO_CLIENT = 'pymongo.MongoClient';
export const MONGO_DATABASE = 'pymongo.database.Database';
export const MONGO_COLLECTION = 'pymongo.collection.Collection';
methods('database', [MONGO_CLIENT], ['list_database_names', 'list_databases', 'server_info', 'drop_database'], DB);
methods('database', [MONGO_DATABASE], ['command', 'list_collection_names', 'list_collections', 'create_collection', 'drop_collection', 'validate_collection'], DB);
methods(
  'database',
  [MONGO_COLLECTION],
  [
    'find_one', 'insert_one', 'insert_many', 'update_one', 'update_many', 'replace_one', 'delete_one', 'delete_many', 'count_documents',
    'estimated_document_count', 'aggregate', 'distinct', 'find_one_and_update', 'find_one_and_replace', 'find_one_and_delete', 'bulk_write',
    'create_index', 'create_indexes', 'drop', 'drop_index', 'drop_indexes', 'list_indexes', 'index_information',
  ],
  DB,
);
methods('database', [MONGO_COLLECTION], ['find', 'find_raw_batches', 'watch'], { ...DB, offload: 'iterate' });

// ---- lookup -----------------------------------------------------------------------------------------------

/** Other spellings of the same class, as `typeOf` may name it. */
const CLASS_ALIASES: Readonly<Record<string, string>> = {
  'redis.StrictRedis': 'redis.Redis',
  'redis.client.StrictRedis': 'redis.Redis',
  'pymongo.mongo_client.MongoClient': MONGO_CLIENT,
  'pathlib._local.Path': 'pathlib.Path',
  'sqlite3.dbapi2.Connection': 'sqlite3.Connection',
  'sqlite3.dbapi2.Cursor': 'sqlite3.Cursor',
  'psycopg.connection.Connection': 'psycopg.Connection',
  'psycopg.cursor.Cursor': 'psycopg.Cursor',
  'socket.SocketType': 'socket.socket',
};

export function canonicalClass(cls: string): string {
  return CLASS_ALIASES[cls] ?? cls;
}

/** A module-level blocking function (or class whose construction blocks) by canonical name. */
export function blockingFunction(canonical: string): BlockingCallable | undefined {
  return FUNCTIONS.get(canonical);
}

/**
 * The blocking method `method` of class `cls`, looked up through workspace subclasses (`class Api(requests.Session)`)
 * unless the workspace class defines the method itself.
 */
export function blockingMethod(cls: string, method: string, index: WorkspaceIndex): BlockingCallable | undefined {
  const seen = new Set<string>();
  const visit = (name: string): BlockingCallable | undefined => {
    const canonical = canonicalClass(name);
    if (seen.has(canonical) || seen.size > 32) return undefined;
    seen.add(canonical);
    const entry = CLASSES.get(canonical);
    if (entry) {
      const found = entry.methods.get(method);
      if (found) return found;
      const other = entry.otherMethods;
      if (other && !other.except.has(method) && !method.startsWith('_')) return { name: `${canonical}.${method}`, ...other.template };
      return undefined;
    }
    const workspaceClass = index.lookupClass(canonical);
    if (!workspaceClass || workspaceClass.methods.has(method)) return undefined;
    for (const base of workspaceClass.bases) {
      const found = visit(base);
      if (found) return found;
    }
    return undefined;
  };
  return visit(cls);
}

/** A blocking callable named by a canonical dotted name alone (a call graph edge: no arguments, no object). */
export function blockingByName(canonical: string, index: WorkspaceIndex): BlockingCallable | undefined {
  const direct = FUNCTIONS.get(canonical);
  if (direct) return direct;
  const dot = canonical.lastIndexOf('.');
  return dot > 0 ? blockingMethod(canonical.slice(0, dot), canonical.slice(dot + 1), index) : undefined;
}
