// The gradebook's cells: what a spreadsheet would run as a formula is text, and
// every field survives RFC 4180 quoting and a parser that follows it.
import { expect, test } from 'vitest';
import { findLab } from '../../lib/course.ts';
import { BOM, csvField, gradebookCsv, parseCsv } from '../../lib/instructor/gradebook.ts';

test('a cell that starts a formula (= + - @ tab CR, fullwidth forms too) becomes text, quoted', () => {
  for (const v of ['=SUM(1+1)', '+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1', '＝1', '=HYPERLINK("http://x","y")']) {
    const cell = csvField(v);
    expect(cell.startsWith(`"'`), v).toBe(true);
    expect(parseCsv(cell)).toEqual([[`'${v}`]]);
  }
  expect(csvField('ann')).toBe('ann');
  expect(csvField('Zoë')).toBe('Zoë');
  expect(csvField(-3)).toBe('-3'); // numbers are numbers
});

test('commas, quotes and line breaks are quoted as RFC 4180 says, and read back whole', () => {
  const odd = ['a,b', 'say "hi"', 'two\nlines', 'cr\r\nlf', ''];
  const line = odd.map(csvField).join(',') + '\r\n';
  expect(line).toBe('"a,b","say ""hi""","two\nlines","cr\r\nlf",\r\n');
  expect(parseCsv(BOM + line + line)).toEqual([odd, odd]);
});

test('the header, the Points Possible row, then one row per student; BOM unless asked not to', () => {
  const lab = findLab('01-udp-echo');
  const result = { slug: lab.slug, title: lab.title, target: '', gradedAt: '', tests: [{ name: 't', points: 3, passed: true, ms: 1 }, { name: 'u', points: 2, passed: false, ms: 1 }] };
  const csv = gradebookCsv([lab], { [lab.slug]: 5 }, [{ student: '=x', results: [result] }, { student: 'y', results: [] }]);
  expect(csv).toBe(`${BOM}student,01-udp-echo,total\r\nPoints Possible,5,5\r\n"'=x",3,3\r\ny,0,0\r\n`);
  expect(gradebookCsv([lab], { [lab.slug]: 5 }, [], { bom: false }).startsWith('student,')).toBe(true);
});
