// Print receipt specs through two independent npm ESC/POS generators, for the decoder's tests
// (tests/integration/test_npm_clients.py builds the specs and checks the decoded text).
//
// stdin: JSON [spec]; stdout: JSON [{data: base64 ESC/POS, lines: [[printed line, ...] per receipt] | null}].
// NODE_PATH must reach @point-of-sale/receipt-printer-encoder and/or node-thermal-printer.
//
// spec = {lib: 'rpe' | 'ntp', ...}
//   rpe (receipt-printer-encoder): {model?, columns?, codepageMapping?, newline?, imageMode?, ops}
//     `lines` is what the encoder itself says it printed: per line, its text and padding spaces
//     (encode('commands')), split into receipts at cuts. Every printed line comes from it.
//   ntp (node-thermal-printer): {type: 'epson' | 'tanca' | 'custom' | ..., width, characterSet?, ops}
//     `lines` is null: the test lays the expected text out itself.
// ops: [name, ...args] applied in order, see apply_rpe / apply_ntp.
'use strict';

function pattern(w, h, seed) {
  // a deterministic black and white picture: RGBA rows, black where the pattern says so
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const black = ((x >> 2) + (y >> 2) + seed) % 3 === 0 || x === 0 || y === h - 1;
      const i = (y * w + x) * 4;
      const v = black ? 0 : 255;
      data[i] = data[i + 1] = data[i + 2] = v;
      data[i + 3] = 255;
    }
  }
  return data;
}

function styled(enc, style, fn) {
  style = style || {};
  if (style.align) enc.align(style.align);
  if (style.bold) enc.bold(true);
  if (style.underline) enc.underline(true);
  if (style.invert) enc.invert(true);
  if (style.italic) enc.italic(true);
  if (style.width || style.height) enc.size(style.width || 1, style.height || 1);
  fn();
  if (style.width || style.height) enc.size(1, 1);
  if (style.italic) enc.italic(false);
  if (style.invert) enc.invert(false);
  if (style.underline) enc.underline(false);
  if (style.bold) enc.bold(false);
  if (style.align) enc.align('left');
}

function applyRpe(enc, ops) {
  for (const op of ops) {
    const [name, ...a] = op;
    switch (name) {
      case 'init': enc.initialize(); break;
      case 'codepage': enc.codepage(a[0]); break;
      case 'font': enc.font(a[0]); break;
      case 'line': styled(enc, a[1], () => enc.line(a[0])); break;
      case 'text': styled(enc, a[1], () => enc.text(a[0])); break;
      case 'newline': enc.newline(a[0] || 1); break;
      case 'table': enc.table(a[0], a[1], a[2]); break;
      case 'rule': enc.rule(a[0]); break;
      case 'box': enc.box(a[0], a[1]); break;
      case 'barcode': enc.barcode(a[0], a[1], a[2]); break;
      case 'qrcode': enc.qrcode(a[0], a[1]); break;
      case 'pdf417': enc.pdf417(a[0], a[1]); break;
      case 'image': {
        const [w, h, seed, mode] = a;
        enc.image({width: w, height: h, data: pattern(w, h, seed)}, {width: w, height: h, mode});
        break;
      }
      case 'pulse': enc.pulse(); break;
      case 'cut': enc.cut(a[0]); break;
      default: throw new Error(`unknown rpe op ${name}`);
    }
  }
}

// the encoder ends a line with a line feed unless it holds only these (its STATE_TYPES);
// a block (image, barcode...), a pulse or a cut gets one too (feedAfterBlock)
const STATE_TYPES = new Set(['style', 'align', 'font', 'initialize', 'character-mode', 'codepage',
  'line-spacing', 'motion-unit', 'print-mode', 'raw']);

function rpeLines(commands) {
  // receipts -> lines, as the encoder laid them out (text items and space items in order)
  const receipts = [[]];
  for (const line of commands) {
    const items = line.commands;
    if (items.some((i) => i.type === 'cut')) {
      receipts.push(['']);  // the encoder ends the cut's line with a line feed too: a blank line on the next one
      continue;
    }
    if (items.every((i) => STATE_TYPES.has(i.type))) continue;  // no line feed after it
    let s = '';
    let hri = 'none';
    const after = [];
    for (const i of items) {
      if (i.type === 'text') s += i.value;
      if (i.type === 'space') s += ' '.repeat(i.size);
      if (i.type === 'barcode' && i.property === 'text') hri = i.value;
      if (i.type === 'barcode' && !i.property && hri !== 'none') after.push(i.value.data);
    }
    // a barcode prints its digits (HRI) as a line of its own when asked to
    receipts[receipts.length - 1].push(...after, s);
  }
  return receipts;
}

function runRpe(spec) {
  const Encoder = require('@point-of-sale/receipt-printer-encoder');
  const options = {};
  for (const k of ['printerModel', 'columns', 'codepageMapping', 'newline', 'imageMode', 'language']) {
    if (spec[k] !== undefined) options[k] = spec[k];
  }
  options.errors = 'strict';
  // the same receipt twice: once as the encoder's own line list, once as bytes
  const a = new Encoder(options);
  applyRpe(a, spec.ops);
  const lines = rpeLines(a.encode('commands'));
  const b = new Encoder(options);
  applyRpe(b, spec.ops);
  return {data: Buffer.from(b.encode()).toString('base64'), lines};
}

function runNtp(spec) {
  const ntp = require('node-thermal-printer');
  const printer = new ntp.ThermalPrinter({
    type: spec.type, width: spec.width, characterSet: spec.characterSet,
    breakLine: spec.breakLine || ntp.BreakLine.WORD,
  });
  for (const op of spec.ops) {
    const [name, ...a] = op;
    const st = a[a.length - 1] && typeof a[a.length - 1] === 'object' && !Array.isArray(a[a.length - 1]) ?
      a[a.length - 1] : {};
    switch (name) {
      case 'init': printer.initHardware(); break;
      case 'charset': printer.setCharacterSet(a[0]); break;
      case 'println':
        if (st.align === 'center') printer.alignCenter();
        if (st.align === 'right') printer.alignRight();
        if (st.bold) printer.bold(true);
        if (st.underline) printer.underline(true);
        if (st.invert) printer.invert(true);
        if (st.size) printer.setTextSize(st.size[0], st.size[1]);
        else if (st.double) printer.setTextDoubleWidth();
        printer.println(a[0]);
        if (st.size || st.double) printer.setTextNormal();
        if (st.invert) printer.invert(false);
        if (st.underline) printer.underline(false);
        if (st.bold) printer.bold(false);
        if (st.align) printer.alignLeft();
        break;
      case 'leftRight': printer.leftRight(a[0], a[1]); break;
      case 'table': printer.table(a[0]); break;
      case 'tableCustom': printer.tableCustom(a[0]); break;
      case 'drawLine': printer.drawLine(a[0]); break;
      case 'newLine': printer.newLine(); break;
      case 'fontB': printer.setTypeFontB(); break;
      case 'fontA': printer.setTypeFontA(); break;
      case 'barcode': printer.printBarcode(a[0], a[1], a[2]); break;
      case 'code128': printer.code128(a[0], a[1]); break;
      case 'qr': printer.printQR(a[0], a[1]); break;
      case 'pdf417': printer.pdf417(a[0], a[1]); break;
      case 'image': {
        const {PNG} = require('pngjs');
        const [w, h, seed] = a;
        const png = new PNG({width: w, height: h});
        png.data = Buffer.from(pattern(w, h, seed));
        printer.append(printer.printer.printImageBuffer(w, h, png.data));
        break;
      }
      case 'beep': printer.beep(); break;
      case 'drawer': printer.openCashDrawer(); break;
      case 'status': printer.getStatus(); break;
      case 'lineSpacing': printer.setLineSpacing(a[0]); break;
      case 'resetLineSpacing': printer.resetLineSpacing(); break;
      case 'upsideDown': printer.upsideDown(a[0]); break;
      case 'cut': printer.cut(); break;
      case 'partialCut': printer.partialCut(); break;
      default: throw new Error(`unknown ntp op ${name}`);
    }
  }
  return {data: Buffer.from(printer.getBuffer() || []).toString('base64'), lines: null};
}

let input = '';
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => {
  const specs = JSON.parse(input);
  const out = specs.map((s) => {
    try {
      return s.lib === 'rpe' ? runRpe(s) : runNtp(s);
    } catch (e) {
      return {error: String(e.message || e)};  // e.g. a code page the model does not have
    }
  });
  process.stdout.write(JSON.stringify(out));
});
