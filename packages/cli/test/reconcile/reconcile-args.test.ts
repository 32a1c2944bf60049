import { UsageError } from '../../src/command/cli-args';
import { parseReconcileArgs } from '../../src/reconcile/reconcile-args';
import { DEFAULT_SCAN_SEGMENTS } from '../../src/reconcile/reconcile-dynamodb';

describe('npm run reconcile -- [file] [flags]', () => {
  it('defaults to one reading of the local platform with the default segments', () => {
    expect(parseReconcileArgs([])).toEqual({
      file: undefined,
      waitSeconds: undefined,
      json: false,
      segments: DEFAULT_SCAN_SEGMENTS,
      stackFile: undefined,
      stage: undefined,
      help: false,
    });
  });

  it('reads the file, --wait, --segments and --json', () => {
    expect(parseReconcileArgs(['data.csv.gz', '--wait', '300', '--segments', '8', '--json'])).toMatchObject({
      file: 'data.csv.gz',
      waitSeconds: 300,
      segments: 8,
      json: true,
    });
  });

  it.each([
    [['--wait=-1'], /--wait must be a whole number from 0/],
    [['--wait', '1.5'], /--wait must be a whole number/],
    [['--segments', '0'], /--segments must be a whole number from 1 to 64/],
    [['a.csv', 'b.csv'], /at most one file/],
    [['--stage', 'dev', '--stack-file', 'x.json'], /give one/],
    [['--stage', 'dev;rm'], /--stage must be letters, digits and dashes/],
    [['--tables'], /Unknown option '--tables'/],
  ])('refuses %j with what to type instead', (argv, message) => {
    expect(() => parseReconcileArgs(argv)).toThrow(UsageError);
    expect(() => parseReconcileArgs(argv)).toThrow(message);
  });
});
