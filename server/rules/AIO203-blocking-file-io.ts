// AIO203 blocking-file-io: opening, reading or writing files and querying the file system (`open`, file objects,
// `pathlib.Path` I/O, `os`/`os.path`/`shutil`/`glob`) inside `async def` blocks the loop on the disk.
import { blockingCallRule } from './blocking/rule';

export const blockingFileIo = blockingCallRule(
  {
    code: 'AIO203',
    name: 'blocking-file-io',
    summary: 'blocking file-system call (open, file methods, pathlib, os, os.path, shutil, glob) inside a coroutine',
    defaultSeverity: 'warning',
    fixable: 'sometimes',
    aliases: ['ASYNC230', 'ASYNC231', 'ASYNC232', 'ASYNC240'],
  },
  'file-io',
);
