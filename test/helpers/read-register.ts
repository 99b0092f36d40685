// Records of a register given as a file path or as its text, for tests (production reads through
// the Node host's readText and parseRegister).
import { parseRegister } from '../../src/ingest/registers/index.js';
import type {
  RegisterFormat,
  RegisterParseOptions,
  RegisterRecords,
} from '../../src/ingest/registers/types.js';
import { readText } from '../../src/node/read-text.js';

/** Text is recognised by a line break or a leading '{' / '[' (a path has neither). */
export async function readRegisterFile(
  format: RegisterFormat,
  pathOrText: string,
  options: RegisterParseOptions = {},
): Promise<RegisterRecords> {
  const isText = /[\r\n]/.test(pathOrText) || /^\s*[{[]/.test(pathOrText);
  return parseRegister(format, isText ? pathOrText : await readText(pathOrText), options);
}
