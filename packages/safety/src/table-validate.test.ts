import { describe, expect, it } from 'vitest';
import { tableValidationText, validatePublishedTable, type TableValidation } from './table-validate';

// The example of issue 10, byte for byte.
const EXAMPLE = `Police Force,Total Online Offences,Direct messages,Groups,Media
Northshire,120,40,30,12
Southshire,95,20,41,9
Westshire,Not provided
Eastshire,60,11,25,4
Region Total,280,71,96,25
`;

function valid(input: string | Uint8Array): TableValidation {
  const r = validatePublishedTable(input);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}
function error(input: string | Uint8Array) {
  const r = validatePublishedTable(input);
  if (r.ok) throw new Error('accepted');
  return r.error;
}

describe('validating a published table', () => {
  it('V1 V3 V6 V7: the example in the issue gives exactly these findings and shares', () => {
    const v = valid(EXAMPLE);
    expect(v.forceColumn).toBe('Police Force');
    expect(v.totalColumn).toBe('Total Online Offences');
    expect(v.platformColumns).toEqual(['Direct messages', 'Groups', 'Media']);
    expect(v.findings).toEqual([
      { kind: 'unknown_force', severity: 'inconsistency', line: 2, name: 'Northshire', message: 'row 2: "Northshire" is not a police force of England and Wales, British Transport Police or a known region' },
      { kind: 'unknown_force', severity: 'inconsistency', line: 3, name: 'Southshire', message: 'row 3: "Southshire" is not a police force of England and Wales, British Transport Police or a known region' },
      { kind: 'unknown_force', severity: 'inconsistency', line: 4, name: 'Westshire', message: 'row 4: "Westshire" is not a police force of England and Wales, British Transport Police or a known region' },
      {
        kind: 'not_provided', severity: 'note', line: 4, name: 'Westshire', columns: ['Total Online Offences', 'Direct messages', 'Groups', 'Media'],
        message: 'row 4 ("Westshire"): not provided for "Total Online Offences", "Direct messages", "Groups", "Media"; left out of sums and shares, never counted as 0',
      },
      { kind: 'unknown_force', severity: 'inconsistency', line: 5, name: 'Eastshire', message: 'row 5: "Eastshire" is not a police force of England and Wales, British Transport Police or a known region' },
      {
        kind: 'total_mismatch', severity: 'inconsistency', line: 6, column: 'Total Online Offences', stated: '280', sum: '275', difference: 5, rowsSummed: 3, notProvided: ['Westshire'],
        message: 'row 6 ("Region Total"), column "Total Online Offences": the total says 280 but the 3 rows it covers add up to 275 (difference +5); 1 not provided (Westshire), not counted as 0',
      },
    ]);
    expect(v.inconsistent).toBe(true);
    // 71 + 96 + 25 = 192 recorded; 71/192 = 36.98…%, 96/192 = 50%, 25/192 = 13.02…%; 192/275 = 69.82…%.
    expect(v.shares).toEqual({
      recorded: 192, ofTotal: 275, rows: 3,
      shares: [{ column: 'Direct messages', count: 71, percent: 37 }, { column: 'Groups', count: 96, percent: 50 }, { column: 'Media', count: 25, percent: 13 }],
      sentence: 'Of the 192 where the platform was recorded (69.8% of the 275 in "Total Online Offences" of those rows), 37.0% were Direct messages, 50.0% were Groups, 13.0% were Media; from 3 of 4 rows.',
    });
    expect(tableValidationText(v).split('\n').at(-2)).toBe('5 inconsistencies found.');
  });

  it('V1 V3: real forces in publishers\' spellings map to codes; a consistent table has no inconsistency', () => {
    const v = valid(`Force,Total,DM,Groups
Devon and Cornwall Police,10,4,6
"London, City of",3,1,2
Dyfed Powys,<5,1,0
Total,16,6,8
`);
    expect(v.rows.map((r) => r.code)).toEqual(['E23000035', 'E23000034', 'W15000004']);
    // 10 + 3 + (0..4) = 13..17 contains 16; 4 + 1 + 1 = 6; 6 + 2 + 0 = 8.
    expect(v.findings).toEqual([]);
    expect(v.inconsistent).toBe(false);
    expect(tableValidationText(v).trim().split('\n').at(-1)).toBe('No inconsistency found.');
  });

  it('V1: a total outside what suppressed rows could add up to is proved wrong', () => {
    const v = valid('Force,Total\nKent,<5\nEssex,<5\nTotal,9\n');
    expect(v.findings).toEqual([
      expect.objectContaining({ kind: 'total_mismatch', column: 'Total', stated: '9', sum: '0–8', difference: 1, rowsSummed: 2 }),
    ]);
  });

  it('V2: a row whose platform columns exceed its own total', () => {
    const v = valid('Police Force,Total,Direct messages,Groups\nKent,10,7,5\nEssex,10,7,3\n');
    expect(v.findings).toEqual([
      {
        kind: 'row_exceeds_total', severity: 'inconsistency', line: 2, name: 'Kent', total: '10', parts: '12', difference: 2,
        message: 'row 2 ("Kent"): "Direct messages" + "Groups" = 12, more than its "Total" of 10 (by 2)',
      },
    ]);
  });

  it('V4: the same force twice, in two spellings', () => {
    const v = valid('Force,Total\nDevon & Cornwall,1\nKent,2\nDevon and Cornwall Police,3\n');
    expect(v.findings).toEqual([
      {
        kind: 'duplicate_force', severity: 'inconsistency', line: 4, name: 'Devon and Cornwall Police', code: 'E23000035', firstLine: 2,
        message: 'row 4: "Devon and Cornwall Police" is the same force as row 2 ("Devon & Cornwall"), Devon & Cornwall (E23000035)',
      },
    ]);
  });

  it('V6: "Not provided" is never 0: no false total or row finding from it, and it is named', () => {
    // Read as 0, Kent's total would be exceeded by its parts (5 > 0).
    const v = valid('Force,Total,Groups\nKent,Not provided,5\nEssex,N/A,\nTotal,Not provided,5\n');
    expect(v.findings.map((f) => [f.kind, f.line])).toEqual([['not_provided', 2], ['not_provided', 3]]);
    expect(v.inconsistent).toBe(false);
    // A total that is more than the rows that gave a figure is reported with the rows that did not.
    expect(valid('Force,Total\nKent,2\nEssex,Not provided\nTotal,5\n').findings.at(-1)).toMatchObject({
      kind: 'total_mismatch', stated: '5', sum: '2', difference: 3, rowsSummed: 1, notProvided: ['Essex'],
    });
  });

  it('V5: a table whose shape this tool does not know is still read: other measures and code columns', () => {
    const v = valid('Police Force,Code,Total incidents,Media,Referrals,Proactive %\nKent,E23000032,4,4,9,100.0\nTotal,,4,4,8,\n');
    expect(v.platformColumns).toEqual(['Media']);
    expect(v.otherColumns).toEqual(['Referrals']);
    expect(v.findings).toEqual([expect.objectContaining({ kind: 'total_mismatch', column: 'Referrals', stated: '8', sum: '9', difference: -1 })]);
  });

  it('V8: malformed CSV, bad encodings and empty files are errors that say what is wrong', () => {
    expect(error('Force,Total\nKent,"5\n')).toMatchObject({ message: expect.stringMatching(/^the file is not valid CSV: .*quote/i) });
    expect(error('')).toEqual({ message: 'the file is empty' });
    expect(error('Force,Total\n')).toEqual({ message: 'the table has a header but no rows', line: 1 });
    expect(error('Force\nKent\n')).toEqual({ message: 'the header needs a force column and at least one column of counts', line: 1 });
    expect(error('Force,Total\nKent,1,2\n')).toEqual({ message: 'row 2 ("Kent") has 3 cells but the header has 2 columns', line: 2 });
    expect(error('Force,Total\n,1\n')).toEqual({ message: 'row 2 has no force name in column "Force"', line: 2, column: 'Force' });
    const utf16 = new Uint8Array([0xff, 0xfe, ...[...'Force,Total\n'].flatMap((c) => [c.charCodeAt(0), 0])]);
    expect(error(utf16)).toEqual({ message: 'the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8 CSV' });
    const utf16NoBom = new Uint8Array([...'Force,Total\n'].flatMap((c) => [c.charCodeAt(0), 0]));
    expect(error(utf16NoBom).message).toBe('the file has a NUL byte on line 1: it looks like UTF-16 or not text at all; save it as UTF-8 CSV');
    // "Ynys Môn" in Latin-1: ô is the single byte 0xF4, on line 3.
    const latin1 = new Uint8Array([...new TextEncoder().encode('Force,Total\nKent,1\nYnys M'), 0xf4, ...new TextEncoder().encode('n,2\n')]);
    expect(error(latin1)).toEqual({ message: 'line 3 is not UTF-8 (byte 0xF4): the file looks like Latin-1 or Windows-1252; save it as UTF-8 CSV', line: 3 });
    // UTF-8 with a byte order mark is fine.
    expect(valid(new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('Force,Total\nKent,1\n')])).rows[0]!.code).toBe('E23000032');
  });

  it('V9: negative and non-numeric counts are errors naming the row and column', () => {
    expect(error('Force,Total,Groups\nKent,5,-3\n')).toEqual({ message: 'row 2 ("Kent"), column "Groups": "-3" is negative; a count cannot be', line: 2, column: 'Groups' });
    expect(error('Force,Total\nKent,1\nEssex,lots\n')).toEqual({ message: 'row 3 ("Essex"), column "Total": "lots" is not a count (a whole number, "Not provided" or "<5")', line: 3, column: 'Total' });
    expect(error('Force,Total\nKent,1.5\n').message).toBe('row 2 ("Kent"), column "Total": "1.5" is not a count (a whole number, "Not provided" or "<5")');
    expect(valid('Force,Total\nKent,"1,234"\n').rows[0]!.values.Total).toEqual({ lo: 1234, hi: 1234 });
  });
});
