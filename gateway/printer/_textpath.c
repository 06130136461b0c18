/* The decoder's text path in C: whole lines of text and style runs, each ended by LF.
 *
 * An optional accelerator for gateway/printer/text_lines.py (the reference, and the
 * fallback when this extension is not built or RG_PURE_PYTHON=1 is set; setup.py builds it
 * with optional=True). `lines(decoder, buf, pos, limit)` does what Decoder._parse does with
 * `_lines_re.match` + `TextLines._lines`: finds the block of whole lines at buf[pos:], cuts
 * it into text and runs of style commands (style_runs' split pattern) and makes the same
 * events, leaving the decoder in the same state. `apply_run(decoder, run, pos)` is
 * `TextLines._apply_run`. Each C function below names the Python function it mirrors.
 * Every rare or complicated case calls back into the decoder's own Python methods:
 *   - a run not yet in `decoder._runs`        -> decoder._apply_run (style_runs.compile_run)
 *   - a run's warnings                        -> decoder._warn
 *   - the text context after a change         -> decoder._context() (memoised, apply_run)
 *   - a line that wraps, or whose move falls off the paper -> decoder._print_line (the LineBuilder)
 *   - the tab stops for HT (once per block and font/spacing/width) -> decoder._tab_stops()
 * Moves inside a line (HT, ESC $, ESC \\; more than the Python reference's blocks take) become
 * the line operations Decoder._c_ht / _e_abs / _e_rel append (see move_op), so the line
 * comes out as command by command.
 *   - multi-byte (kanji) text                 -> codepages.decode_multibyte
 * Single-byte and UTF-8 text is decoded here as codepages.decode_single and decode_utf8 do
 * (charmap with "replace"; well-formed UTF-8, see c_decode_utf8; unicodedata NFC).
 * The module also renders: `line_text` and `receipt_lines` mirror render_text.py's
 * line_text_py and receipt_lines_py (see "rendering" below).
 *
 * Objects: TextLine and Span are slotted dataclasses (gateway/printer/document.py). Their
 * generated __init__ is Python code and was the largest single cost, so they are made
 * here with tp_alloc and every field (defaults included) stored through the slot offsets
 * of the classes' member descriptors. `init()` reads those offsets once, at import, and
 * checks them: each named field must be a T_OBJECT_EX member descriptor, the classes
 * must have no instance __dict__, and text_lines.py checks in Python that the dataclass
 * fields are exactly the ones named here (no more, no __post_init__). If any check
 * fails, init raises and text_lines.py uses the pure-Python path.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TEXTPATH_API 5  /* bump with any change to what the module's functions take or do */

#ifndef T_OBJECT_EX
#define T_OBJECT_EX Py_T_OBJECT_EX
#endif

/* ------------------------------------------------------------------ module state */

static PyObject *Span_type, *TextLine_type;        /* the dataclasses */
static PyObject *decode_multibyte;                  /* codepages.decode_multibyte */
static PyObject *normalize, *NFC;                   /* unicodedata.normalize, "NFC" */
static PyObject *FONT_HEIGHT;                       /* profiles.FONT_HEIGHT: font -> dots */
static PyObject *TEXT;                              /* layout.TEXT (the int 0) */

enum { SP_TEXT, SP_X, SP_STYLE, SP_CELL, SP_N };
static const char *span_fields[SP_N] = {"text", "x", "style", "cell"};
enum { TL_OFFSET, TL_END, TL_SPANS, TL_ALIGN, TL_LEFT, TL_WIDTH, TL_HEIGHT, TL_FEED,
       TL_TILL, TL_N };
static const char *line_fields[TL_N] = {"offset", "end", "spans", "align", "left", "width",
                                        "height", "feed", "till_spans"};
static Py_ssize_t span_off[SP_N], line_off[TL_N];

/* interned attribute names */
static PyObject *s_runs, *s_s, *s_style_cache, *s_ctx, *s_context, *s_plain, *s_warn,
    *s_commands, *s_events, *s_profile, *s_width, *s_width_known, *s_area, *s_left,
    *s_align, *s_font, *s_height, *s_line_spacing, *s_line, *s_ops, *s_text_height,
    *s_line_start, *s_print_line, *s_apply_run, *s_run_ctx, *s_sb, *s_mb, *s_base, *s_cr_is_lf,
    *s_tab_stops, *s_unit_x;

/* ------------------------------------------------------------------ objects without __init__ */

static int
read_offsets(PyObject *type, const char **names, Py_ssize_t *offsets, int n)
{
    if (((PyTypeObject *)type)->tp_dictoffset != 0) {
        PyErr_Format(PyExc_TypeError, "%R has an instance __dict__: slotted dataclass expected", type);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        PyObject *d = PyObject_GetAttrString(type, names[i]);
        if (d == NULL && PyErr_ExceptionMatches(PyExc_AttributeError)) {
            PyErr_Format(PyExc_TypeError, "%R has no field %s", type, names[i]);
            return -1;
        }
        if (d == NULL)
            return -1;
        if (!Py_IS_TYPE(d, &PyMemberDescr_Type)
            || ((PyMemberDescrObject *)d)->d_member->type != T_OBJECT_EX) {
            PyErr_Format(PyExc_TypeError, "%R.%s is not an object slot", type, names[i]);
            Py_DECREF(d);
            return -1;
        }
        offsets[i] = ((PyMemberDescrObject *)d)->d_member->offset;
        Py_DECREF(d);
    }
    return 0;
}

/* A new instance with every slot set from `values` (references are stolen, even on error). */
static PyObject *
make(PyObject *type, const Py_ssize_t *offsets, PyObject **values, int n)
{
    PyTypeObject *tp = (PyTypeObject *)type;
    PyObject *obj = NULL;
    for (int i = 0; i < n; i++)
        if (values[i] == NULL)
            goto fail;
    obj = tp->tp_alloc(tp, 0);
    if (obj == NULL)
        goto fail;
    for (int i = 0; i < n; i++)
        *(PyObject **)((char *)obj + offsets[i]) = values[i];
    return obj;
fail:
    for (int i = 0; i < n; i++)
        Py_XDECREF(values[i]);
    return NULL;
}

/* Span(text, x, style, cell); new reference. Borrows style; steals nothing else.
 * Not tracked by the cyclic GC: a Span holds a str, two ints and a frozen Style of atoms, so
 * it can be in no cycle (nothing in the project assigns its fields), and a text-heavy feed's
 * thousands of Spans are then not traversed by every collection (CPython leaves tuples and
 * dicts of atoms untracked for the same reason). ~20% of the CPU on lines of several spans. */
static PyObject *
new_span(PyObject *text, Py_ssize_t x, PyObject *style, PyObject *cell)
{
    PyObject *v[SP_N] = {Py_NewRef(text), PyLong_FromSsize_t(x), Py_NewRef(style),
                         Py_NewRef(cell)};
    PyObject *o = make(Span_type, span_off, v, SP_N);
    if (o != NULL)
        PyObject_GC_UnTrack(o);
    return o;
}

/* TextLine(offset=, end=, spans=, align=, left=, width=, height=, feed=, till_spans=None).
 * Steals `offset`, `end` and `spans` (which may be NULL after a failed allocation); borrows
 * the other objects. */
static PyObject *
new_line(PyObject *offset, PyObject *end, PyObject *spans, PyObject *align, PyObject *left,
         PyObject *width, PyObject *height, PyObject *feed)
{
    PyObject *v[TL_N] = {offset, end, spans, Py_NewRef(align), Py_NewRef(left), Py_NewRef(width),
                         Py_NewRef(height), Py_NewRef(feed), Py_NewRef(Py_None)};
    return make(TextLine_type, line_off, v, TL_N);
}

/* ------------------------------------------------------------------ helpers */

static int
is_ascii(const char *p, Py_ssize_t n)
{
    Py_ssize_t i = 0;
    for (; i + 8 <= n; i += 8) {  /* eight bytes at a time */
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ULL)
            return 0;
    }
    for (; i < n; i++)
        if ((unsigned char)p[i] & 0x80)
            return 0;
    return 1;
}

/* ASCII bytes as str, without a bytes object in between. */
static PyObject *
ascii_str(const char *p, Py_ssize_t n)
{
    PyObject *u = PyUnicode_New(n, 127);
    if (u != NULL)
        memcpy(PyUnicode_DATA(u), p, n);
    return u;
}

static int
enc_kind_is(PyObject *enc, PyObject *kind)
{
    PyObject *k = PyTuple_GET_ITEM(enc, 0);
    if (k == kind)
        return 1;
    int r = PyUnicode_Compare(k, kind);
    if (r == -1 && PyErr_Occurred())
        return -1;
    return r == 0;
}

static PyObject *
call2(PyObject *f, PyObject *a, PyObject *b)
{
    PyObject *args[2] = {a, b};
    return PyObject_Vectorcall(f, args, 2, NULL);
}

static PyObject *
call_method0(PyObject *self, PyObject *name)
{
    return PyObject_VectorcallMethod(name, &self, 1 | PY_VECTORCALL_ARGUMENTS_OFFSET, NULL);
}

static Py_ssize_t
attr_ssize(PyObject *obj, PyObject *name)
{
    PyObject *v = PyObject_GetAttr(obj, name);
    if (v == NULL)
        return -1;
    Py_ssize_t r = PyLong_AsSsize_t(v);
    Py_DECREF(v);
    return r;
}

/* ------------------------------------------------------------------ decoding (codepages.py) */

/* unicodedata.normalize("NFC", text); steals `text`. */
static PyObject *
nfc(PyObject *text)
{
    if (text == NULL || PyUnicode_IS_ASCII(text))
        return text;
    PyObject *r = call2(normalize, NFC, text);
    Py_DECREF(text);
    return r;
}

/* Mirrors codepages.decode_single (without its lru_cache: the same text). */
static PyObject *
c_decode_single(const char *p, Py_ssize_t n, PyObject *table)
{
    return nfc(PyUnicode_DecodeCharmap(p, n, table, "replace"));
}

/* 1 when the bytes are well-formed UTF-8 (Unicode's table 3-7: no overlong forms, no
 * surrogates, nothing past U+10FFFF, no sequence cut short), as CPython's decoder checks. */
static int
utf8_valid(const unsigned char *s, Py_ssize_t n)
{
    Py_ssize_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        int len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        if (len == 0 || i + len > n)
            return 0;
        unsigned char lo = 0x80, hi = 0xBF;  /* the second byte's range */
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
        else if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return 0;
        for (int k = 2; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
        i += len;
    }
    return 1;
}

/* Mirrors codepages.decode_utf8: the text, Py_None (new reference) when the bytes are ASCII
 * or not UTF-8, NULL on error. decode_utf8 decodes with "replace" and compares
 * the U+FFFD it got with the EF BF BD sequences in the bytes: they differ exactly when the
 * bytes are not well-formed (a real EF BF BD always decodes to one U+FFFD; every ill-formed
 * part adds one), so checking well-formedness first gives the same answer. */
static PyObject *
c_decode_utf8(const char *p, Py_ssize_t n)
{
    if (is_ascii(p, n) || !utf8_valid((const unsigned char *)p, n))
        Py_RETURN_NONE;
    return nfc(PyUnicode_DecodeUTF8(p, n, "strict"));
}

/* Mirrors layout.decode_line_text for a single-byte encoding (`intl`: enc[2]). */
static PyObject *
c_decode_line_text(const char *p, Py_ssize_t n, PyObject *enc, int intl)
{
    if (is_ascii(p, n))
        return intl ? c_decode_single(p, n, PyTuple_GET_ITEM(enc, 1)) : ascii_str(p, n);
    PyObject *text = c_decode_utf8(p, n);
    if (text != Py_None)
        return text;
    Py_DECREF(text);
    return c_decode_single(p, n, PyTuple_GET_ITEM(enc, 1));
}

/* ------------------------------------------------------------------ one call's state */

typedef struct {
    PyObject *self;       /* the Decoder */
    PyObject *dict;       /* its __dict__ when dget/dset may use it (see use_dict), else NULL */
    PyObject *events;     /* self._events (the callbacks append to the same list) */
    PyObject *runs;       /* self._runs: run -> (assigned, warnings, count) */
    PyObject *run_ctx;    /* self._run_ctx: run -> [context before, after, before, after...] */
    PyObject *profile;
    Py_ssize_t profile_width;
    int width_known;
    Py_ssize_t commands;  /* added to self.commands at the end */
    /* _plain(), while no run changes the settings: state 0 unknown, 1 none, 2 known */
    int plain_state;
    PyObject *plain;      /* the context (owned); p_enc .. p_height are its items */
    PyObject *p_enc, *p_style, *p_cell, *p_height;
    PyObject *p_area, *p_align, *p_left, *p_feed;  /* owned */
    Py_ssize_t p_max;     /* most characters before the line wraps */
    int p_enc_flag;       /* enc[2]: ESC R replaced some ASCII positions */
    /* the line being read (TextLines._lines's locals) */
    Py_ssize_t q;         /* stream offset of the piece being read */
    PyObject *ops;        /* the current line's text operations, when a run came inside it */
    Py_ssize_t start;     /* where that line started; -1 for None */
    PyObject *align;      /* the alignment when it started (owned), or NULL for None */
    Py_ssize_t text_height;
    PyObject *last_end;   /* the last plain line's end (owned), and its value */
    Py_ssize_t last_end_v;
    /* moves inside lines: Decoder._tab_stops() while no run changes the settings (owned),
     * and s.unit_x once read (no command a block holds changes it) */
    PyObject *tab_stops;
    double unit_x;
    int unit_x_known;
} Call;

/* The decoder's own attributes (_ctx, _style_cache, s) straight from its __dict__ when its
 * class defines none of those names (plain instance attributes, as in Decoder); else getattr.
 * New reference. */
static PyObject *
dget(Call *c, PyObject *name)
{
    if (c->dict != NULL) {
        PyObject *v = PyDict_GetItemWithError(c->dict, name);
        if (v != NULL)
            return Py_NewRef(v);
        if (PyErr_Occurred())
            return NULL;
    }
    return PyObject_GetAttr(c->self, name);
}

static int
dset(Call *c, PyObject *name, PyObject *value)
{
    return c->dict != NULL ? PyDict_SetItem(c->dict, name, value) : PyObject_SetAttr(c->self, name, value);
}

static int
use_dict(Call *c)
{
    PyTypeObject *tp = Py_TYPE(c->self);
    if (tp->tp_dictoffset == 0 || _PyType_Lookup(tp, s_ctx) != NULL
        || _PyType_Lookup(tp, s_style_cache) != NULL || _PyType_Lookup(tp, s_s) != NULL)
        return 0;
    c->dict = PyObject_GenericGetDict(c->self, NULL);
    return c->dict != NULL ? 0 : -1;
}

/* self._ctx or self._context(): (enc, style, cell, height); new reference. */
static PyObject *
context(Call *c)
{
    PyObject *ctx = dget(c, s_ctx);
    if (ctx == NULL || ctx != Py_None)
        return ctx;
    Py_DECREF(ctx);
    ctx = call_method0(c->self, s_context);
    if (ctx != NULL && !(PyTuple_Check(ctx) && PyTuple_GET_SIZE(ctx) == 4)) {
        PyErr_SetString(PyExc_TypeError, "Decoder._context() must return (enc, style, cell, height)");
        Py_CLEAR(ctx);
    }
    return ctx;
}

/* Mirrors TextLines._apply_run: a run of style commands applied from the cache. The
 * context after the run is memoised by (context before, run) in decoder._run_ctx: it
 * depends only on the settings the context reads, which the run assigns the same way
 * every time (and a context tuple stands for one set of those settings). */
static int
apply_run(Call *c, PyObject *run, Py_ssize_t q)
{
    PyObject *compiled = PyDict_GetItemWithError(c->runs, run);  /* borrowed */
    if (compiled == NULL) {
        if (PyErr_Occurred())
            return -1;
        /* the rare case: the Python method compiles it, caches it and applies it */
        Py_ssize_t base = attr_ssize(c->self, s_base);
        if (base == -1 && PyErr_Occurred())
            return -1;
        PyObject *rel = PyLong_FromSsize_t(q - base);  /* _apply_run takes a buffer position */
        if (rel == NULL)
            return -1;
        PyObject *args[3] = {c->self, run, rel};
        PyObject *r = PyObject_VectorcallMethod(s_apply_run, args, 3, NULL);
        Py_DECREF(rel);
        if (r == NULL)
            return -1;
        Py_DECREF(r);
        return 0;
    }
    if (!PyTuple_Check(compiled) || PyTuple_GET_SIZE(compiled) != 3) {
        PyErr_SetString(PyExc_TypeError, "Decoder._runs values must be (assigned, warnings, count)");
        return -1;
    }
    PyObject *assigned = PyTuple_GET_ITEM(compiled, 0);
    PyObject *warnings = PyTuple_GET_ITEM(compiled, 1);
    Py_ssize_t count = PyLong_AsSsize_t(PyTuple_GET_ITEM(compiled, 2));
    if (count == -1 && PyErr_Occurred())
        return -1;
    if (!PyTuple_Check(assigned) || !PyTuple_Check(warnings)) {
        PyErr_SetString(PyExc_TypeError, "Decoder._runs values must hold tuples");
        return -1;
    }
    if (PyTuple_GET_SIZE(assigned)) {
        PyObject *s = dget(c, s_s);
        if (s == NULL)
            return -1;
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(assigned); i++) {
            PyObject *pair = PyTuple_GET_ITEM(assigned, i);
            if (PyObject_SetAttr(s, PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1)) < 0) {
                Py_DECREF(s);
                return -1;
            }
        }
        Py_DECREF(s);
        /* the context after: from the memo when this run came after this context before */
        PyObject *after = Py_None;  /* borrowed */
        PyObject *before = dget(c, s_ctx);
        if (before == NULL)
            return -1;
        PyObject *pairs = NULL;     /* borrowed: [before, after, before, after, ...] */
        if (before != Py_None) {
            pairs = PyDict_GetItemWithError(c->run_ctx, run);
            if (pairs == NULL && PyErr_Occurred()) {
                Py_DECREF(before);
                return -1;
            }
            /* the memo holds each `before` itself, so no other object can take its place */
            for (Py_ssize_t i = 0; pairs != NULL && i + 1 < PyList_GET_SIZE(pairs); i += 2)
                if (PyList_GET_ITEM(pairs, i) == before) {
                    after = PyList_GET_ITEM(pairs, i + 1);
                    break;
                }
        }
        if (dset(c, s_style_cache, Py_None) < 0 || dset(c, s_ctx, after) < 0) {
            Py_DECREF(before);
            return -1;
        }
        if (before != Py_None && after == Py_None) {  /* not memoised yet: compute it now */
            PyObject *ctx = context(c);  /* as the next text would; _context() keeps it in _ctx */
            int bad = ctx == NULL;
            if (!bad && pairs == NULL) {
                if (PyDict_GET_SIZE(c->run_ctx) >= 4096)  /* bound it on hostile streams */
                    PyDict_Clear(c->run_ctx);
                pairs = PyList_New(0);
                bad = pairs == NULL || PyDict_SetItem(c->run_ctx, run, pairs) < 0;
                Py_XDECREF(pairs);  /* the dict holds it */
            }
            if (!bad && PyList_GET_SIZE(pairs) >= 16)  /* eight contexts a run at most */
                bad = PyList_SetSlice(pairs, 0, 2, NULL) < 0;
            bad = bad || PyList_Append(pairs, before) < 0 || PyList_Append(pairs, ctx) < 0;
            Py_XDECREF(ctx);
            if (bad) {
                Py_DECREF(before);
                return -1;
            }
        }
        Py_DECREF(before);
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(warnings); i++) {
        PyObject *w = PyTuple_GET_ITEM(warnings, i);  /* (start, end, message) within the run */
        Py_ssize_t a = PyLong_AsSsize_t(PyTuple_GET_ITEM(w, 0));
        Py_ssize_t e = PyLong_AsSsize_t(PyTuple_GET_ITEM(w, 1));
        if ((a == -1 || e == -1) && PyErr_Occurred())
            return -1;
        PyObject *pa = PyLong_FromSsize_t(q + a), *pe = PyLong_FromSsize_t(q + e);
        PyObject *r = NULL;
        if (pa != NULL && pe != NULL) {
            PyObject *args[4] = {c->self, pa, pe, PyTuple_GET_ITEM(w, 2)};
            r = PyObject_VectorcallMethod(s_warn, args, 4, NULL);
        }
        Py_XDECREF(pa);
        Py_XDECREF(pe);
        if (r == NULL)
            return -1;
        Py_DECREF(r);
    }
    c->commands += count;
    return 0;
}

static void
clear_plain(Call *c)
{
    Py_CLEAR(c->plain);
    Py_CLEAR(c->p_area);
    Py_CLEAR(c->p_align);
    Py_CLEAR(c->p_left);
    Py_CLEAR(c->p_feed);
    c->plain_state = 0;
}

/* Mirrors TextLines._plain: what a line without commands needs, kept in c->p_*; state 1
 * where such lines take the general path (a multi-byte encoding). 0 ok, -1 error. */
static int
load_plain(Call *c)
{
    clear_plain(c);
    PyObject *ctx = context(c);
    if (ctx == NULL)
        return -1;
    c->plain = ctx;  /* enc, style, cell, height are borrowed from it */
    c->p_enc = PyTuple_GET_ITEM(ctx, 0);
    c->p_style = PyTuple_GET_ITEM(ctx, 1);
    c->p_cell = PyTuple_GET_ITEM(ctx, 2);
    c->p_height = PyTuple_GET_ITEM(ctx, 3);
    if (!PyTuple_Check(c->p_enc) || PyTuple_GET_SIZE(c->p_enc) != 3) {
        PyErr_SetString(PyExc_TypeError, "an encoding must be (kind, table, intl)");
        return -1;
    }
    int sb = enc_kind_is(c->p_enc, s_sb);
    if (sb <= 0) {
        c->plain_state = 1;
        return sb;
    }
    c->p_enc_flag = PyObject_IsTrue(PyTuple_GET_ITEM(c->p_enc, 2));
    if (c->p_enc_flag < 0)
        return -1;
    PyObject *s = dget(c, s_s);
    if (s == NULL)
        return -1;
    int ok = -1;
    Py_ssize_t set_area = attr_ssize(s, s_area);
    Py_ssize_t ls = set_area == -1 && PyErr_Occurred() ? -1 : attr_ssize(s, s_line_spacing);
    Py_ssize_t height = PyLong_AsSsize_t(c->p_height);
    Py_ssize_t cell = PyLong_AsSsize_t(c->p_cell);
    if (PyErr_Occurred())
        goto done;
    if ((c->p_left = PyObject_GetAttr(s, s_left)) == NULL
        || (c->p_align = PyObject_GetAttr(s, s_align)) == NULL)
        goto done;
    Py_ssize_t left = PyLong_AsSsize_t(c->p_left);
    if (left == -1 && PyErr_Occurred())
        goto done;
    Py_ssize_t area = c->profile_width - left;  /* max(1, min(s.area, profile.width - s.left)) */
    if (set_area < area)
        area = set_area;
    if (area < 1)
        area = 1;
    if (c->width_known) {
        if (cell <= 0) {  /* never from the decoder's settings; let Python say what is wrong */
            PyObject *r = call_method0(c->self, s_plain);
            Py_XDECREF(r);
            if (r != NULL)
                PyErr_SetString(PyExc_ValueError, "text cell width must be positive");
            goto done;
        }
        c->p_max = area / cell;
    }
    else
        c->p_max = (Py_ssize_t)1 << 62;
    if ((c->p_area = PyLong_FromSsize_t(area)) == NULL
        || (c->p_feed = PyLong_FromSsize_t(ls > height ? ls : height)) == NULL)
        goto done;
    c->plain_state = 2;
    ok = 0;
done:
    Py_DECREF(s);
    return ok;
}

/* Mirrors TextLines._add_text: LineBuilder.text on a line kept in `ops` (a list). Returns the
 * line's text height, or -1 on error. */
static Py_ssize_t
add_text(Call *c, PyObject *ops, const char *p, Py_ssize_t n, Py_ssize_t text_height)
{
    PyObject *ctx = context(c);
    if (ctx == NULL)
        return -1;
    PyObject *enc = PyTuple_GET_ITEM(ctx, 0), *style = PyTuple_GET_ITEM(ctx, 1);
    PyObject *cell = PyTuple_GET_ITEM(ctx, 2);
    Py_ssize_t r = -1;
    Py_ssize_t nops = PyList_GET_SIZE(ops);
    if (nops) {
        PyObject *op = PyList_GET_ITEM(ops, nops - 1);
        if (PyList_GET_ITEM(op, 0) == TEXT && PyList_GET_ITEM(op, 2) == enc
            && PyList_GET_ITEM(op, 3) == style) {
            int same = PyObject_RichCompareBool(PyList_GET_ITEM(op, 4), cell, Py_EQ);
            if (same < 0)
                goto done;
            if (same) {  /* op[1] += raw */
                PyObject *old = PyList_GET_ITEM(op, 1);
                Py_ssize_t m = PyBytes_GET_SIZE(old);
                PyObject *joined = PyBytes_FromStringAndSize(NULL, m + n);
                if (joined == NULL)
                    goto done;
                memcpy(PyBytes_AS_STRING(joined), PyBytes_AS_STRING(old), m);
                memcpy(PyBytes_AS_STRING(joined) + m, p, n);
                PyList_SetItem(op, 1, joined);
                r = text_height;
                goto done;
            }
        }
    }
    PyObject *raw = PyBytes_FromStringAndSize(p, n);
    if (raw == NULL)
        goto done;
    PyObject *op = PyList_New(5);
    if (op == NULL) {
        Py_DECREF(raw);
        goto done;
    }
    PyList_SET_ITEM(op, 0, Py_NewRef(TEXT));
    PyList_SET_ITEM(op, 1, raw);
    PyList_SET_ITEM(op, 2, Py_NewRef(enc));
    PyList_SET_ITEM(op, 3, Py_NewRef(style));
    PyList_SET_ITEM(op, 4, Py_NewRef(cell));
    int bad = PyList_Append(ops, op);
    Py_DECREF(op);
    if (bad < 0)
        goto done;
    Py_ssize_t height = PyLong_AsSsize_t(PyTuple_GET_ITEM(ctx, 3));
    if (height == -1 && PyErr_Occurred())
        goto done;
    r = height > text_height ? height : text_height;
done:
    Py_DECREF(ctx);
    return r;
}

/* Mirrors layout._line_is_utf8: 1, 0, or -1 on error. */
static int
line_is_utf8(PyObject *ops)
{
    int seen = 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(ops); i++) {
        PyObject *op = PyList_GET_ITEM(ops, i);
        if (PyList_GET_ITEM(op, 0) != TEXT)  /* a move (see move_op) */
            continue;
        PyObject *raw = PyList_GET_ITEM(op, 1);
        if (is_ascii(PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw)))
            continue;
        int sb = enc_kind_is(PyList_GET_ITEM(op, 2), s_sb);
        if (sb <= 0)
            return sb;
        if (!utf8_valid((const unsigned char *)PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw)))
            return 0;  /* decode_utf8(op[1]) is None */
        seen = 1;
    }
    return seen;
}

/* Mirrors layout._decode; new reference. */
static PyObject *
decode_op(PyObject *raw, PyObject *enc, int utf8)
{
    const char *p = PyBytes_AS_STRING(raw);
    Py_ssize_t n = PyBytes_GET_SIZE(raw);
    int sb = enc_kind_is(enc, s_sb);
    if (sb < 0)
        return NULL;
    if (sb && is_ascii(p, n)) {
        int intl = PyObject_IsTrue(PyTuple_GET_ITEM(enc, 2));
        if (intl < 0)
            return NULL;
        return intl ? c_decode_single(p, n, PyTuple_GET_ITEM(enc, 1)) : ascii_str(p, n);
    }
    if (utf8) {  /* decode_utf8(raw) or "" */
        PyObject *t = c_decode_utf8(p, n);
        if (t == Py_None) {
            Py_DECREF(t);
            return PyUnicode_New(0, 0);
        }
        return t;
    }
    int mb = enc_kind_is(enc, s_mb);
    if (mb < 0)
        return NULL;
    if (mb)
        return call2(decode_multibyte, raw, PyTuple_GET_ITEM(enc, 1));
    return c_decode_single(p, n, PyTuple_GET_ITEM(enc, 1));
}

/* A move op [kind, value] of the line (HT, ESC $, ESC \\; see move_op) applied to x as
 * LineBuilder.layout does: 0 moved, 1 when the layout would drop it (past the paper's edge;
 * the LineBuilder then reports the till's own line), -1 on error. */
static int
apply_move(PyObject *op, Py_ssize_t *x, Py_ssize_t width)
{
    PyObject *value = PyList_GET_ITEM(op, 1);
    Py_ssize_t kind = PyLong_AsSsize_t(PyList_GET_ITEM(op, 0));
    if (kind == -1 && PyErr_Occurred())
        return -1;
    if (kind == 3) {  /* TAB: value = tab stops in dots */
        if (!PyTuple_Check(value)) {
            PyErr_SetString(PyExc_TypeError, "tab stops must be a tuple");
            return -1;
        }
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(value); i++) {
            Py_ssize_t stop = PyLong_AsSsize_t(PyTuple_GET_ITEM(value, i));
            if (stop == -1 && PyErr_Occurred())
                return -1;
            if (stop > *x) {
                if (stop > width)
                    return 1;
                *x = stop;
                break;
            }
        }
        return 0;
    }
    Py_ssize_t v = PyLong_AsSsize_t(value);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (kind == 2)  /* REL */
        v += *x;
    if (v < 0 || v > width)
        return 1;
    *x = v;
    return 0;
}

/* Mirrors layout.spans_if_fit: a new list of spans, Py_None (new ref) when the line wraps
 * or a move in it falls off the paper, NULL on error. */
static PyObject *
spans_if_fit(PyObject *ops, Py_ssize_t width)
{
    int utf8 = line_is_utf8(ops);
    if (utf8 < 0)
        return NULL;
    PyObject *spans = PyList_New(0);
    if (spans == NULL)
        return NULL;
    Py_ssize_t x = 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(ops); i++) {
        PyObject *op = PyList_GET_ITEM(ops, i);
        if (PyList_GET_ITEM(op, 0) != TEXT) {
            int r = apply_move(op, &x, width);
            if (r < 0)
                goto fail;
            if (r) {
                Py_DECREF(spans);
                Py_RETURN_NONE;
            }
            continue;
        }
        PyObject *text = decode_op(PyList_GET_ITEM(op, 1), PyList_GET_ITEM(op, 2), utf8);
        if (text == NULL)
            goto fail;
        Py_ssize_t len = PyUnicode_GET_LENGTH(text);
        if (len) {
            PyObject *cell = PyList_GET_ITEM(op, 4);  /* cell or 1 */
            int truth = PyObject_IsTrue(cell);
            if (truth < 0) {
                Py_DECREF(text);
                goto fail;
            }
            PyObject *cell1 = truth ? Py_NewRef(cell) : PyLong_FromLong(1);
            Py_ssize_t cv = cell1 ? PyLong_AsSsize_t(cell1) : -1;
            if (cell1 == NULL || (cv == -1 && PyErr_Occurred())) {
                Py_XDECREF(cell1);
                Py_DECREF(text);
                goto fail;
            }
            Py_ssize_t end = x + cv * len;
            if (end > width) {
                Py_DECREF(cell1);
                Py_DECREF(text);
                Py_DECREF(spans);
                Py_RETURN_NONE;
            }
            PyObject *span = new_span(text, x, PyList_GET_ITEM(op, 3), cell1);
            Py_DECREF(cell1);
            if (span == NULL || PyList_Append(spans, span) < 0) {
                Py_XDECREF(span);
                Py_DECREF(text);
                goto fail;
            }
            Py_DECREF(span);
            x = end;
        }
        Py_DECREF(text);
    }
    return spans;
fail:
    Py_DECREF(spans);
    return NULL;
}

/* self.name(a, b) with two ints; new reference. */
static PyObject *
call_method_ints(PyObject *self, PyObject *name, Py_ssize_t a, Py_ssize_t b)
{
    PyObject *ao = PyLong_FromSsize_t(a), *bo = PyLong_FromSsize_t(b);
    PyObject *r = NULL;
    if (ao != NULL && bo != NULL) {
        PyObject *args[3] = {self, ao, bo};
        r = PyObject_VectorcallMethod(name, args, 3, NULL);
    }
    Py_XDECREF(ao);
    Py_XDECREF(bo);
    return r;
}

/* Mirrors TextLines._line_end: the LF at end - 1 prints the line. `start` < 0 is None;
 * `align` NULL is None. */
static int
line_end(Call *c, PyObject *ops, Py_ssize_t start, PyObject *align, Py_ssize_t text_height,
         Py_ssize_t end)
{
    int ok = -1;
    c->commands += 1;
    PyObject *s = dget(c, s_s);
    if (s == NULL)
        return -1;
    PyObject *left = NULL, *area_o = NULL, *spans = NULL, *height_o = NULL, *feed_o = NULL;
    PyObject *line = NULL;
    Py_ssize_t s_area_v = attr_ssize(s, s_area);
    if (s_area_v == -1 && PyErr_Occurred())
        goto done;
    left = PyObject_GetAttr(s, s_left);
    if (left == NULL)
        goto done;
    Py_ssize_t left_v = PyLong_AsSsize_t(left);
    if (left_v == -1 && PyErr_Occurred())
        goto done;
    Py_ssize_t area = c->profile_width - left_v;
    if (s_area_v < area)
        area = s_area_v;
    if (area < 1)
        area = 1;
    if (PyList_GET_SIZE(ops)) {
        spans = spans_if_fit(ops, c->width_known ? area : ((Py_ssize_t)1 << 30));
        if (spans == NULL)
            goto done;
    }
    else if ((spans = PyList_New(0)) == NULL)
        goto done;
    if (spans == Py_None) {  /* wraps: the LineBuilder lays it out */
        PyObject *lb = PyObject_GetAttr(c->self, s_line);
        if (lb == NULL)
            goto done;
        PyObject *th = PyLong_FromSsize_t(text_height);
        PyObject *st = start < 0 ? Py_NewRef(Py_None) : PyLong_FromSsize_t(start);
        int bad = th == NULL || st == NULL
                  || PyObject_SetAttr(lb, s_ops, ops) < 0
                  || PyObject_SetAttr(lb, s_align, align ? align : Py_None) < 0
                  || PyObject_SetAttr(lb, s_text_height, th) < 0
                  || PyObject_SetAttr(c->self, s_line_start, st) < 0;
        Py_DECREF(lb);
        Py_XDECREF(th);
        Py_XDECREF(st);
        if (bad)
            goto done;
        PyObject *r = call_method_ints(c->self, s_print_line, end - 1, end);
        if (r == NULL)
            goto done;
        Py_DECREF(r);
        ok = 0;
        goto done;
    }
    Py_ssize_t height = text_height;
    if (!height) {  /* FONT_HEIGHT.get(s.font, 24) * s.height */
        PyObject *font = PyObject_GetAttr(s, s_font);
        if (font == NULL)
            goto done;
        PyObject *fh = PyDict_GetItemWithError(FONT_HEIGHT, font);
        Py_DECREF(font);
        if (fh == NULL && PyErr_Occurred())
            goto done;
        Py_ssize_t fhv = fh ? PyLong_AsSsize_t(fh) : 24;
        Py_ssize_t hm = attr_ssize(s, s_height);
        if (((fhv == -1) || (hm == -1)) && PyErr_Occurred())
            goto done;
        height = fhv * hm;
    }
    Py_ssize_t ls = attr_ssize(s, s_line_spacing);
    if (ls == -1 && PyErr_Occurred())
        goto done;
    PyObject *al = align;
    PyObject *s_al = NULL;
    if (al == NULL || al == Py_None) {
        s_al = PyObject_GetAttr(s, s_align);
        if (s_al == NULL)
            goto done;
        al = s_al;
    }
    else {
        int truth = PyObject_IsTrue(al);  /* `align or s.align` */
        if (truth < 0)
            goto done;
        if (!truth) {
            s_al = PyObject_GetAttr(s, s_align);
            if (s_al == NULL)
                goto done;
            al = s_al;
        }
    }
    area_o = PyLong_FromSsize_t(area);
    height_o = PyLong_FromSsize_t(height);
    feed_o = PyLong_FromSsize_t(ls > height ? ls : height);
    if (area_o && height_o && feed_o) {
        line = new_line(PyLong_FromSsize_t(start < 0 ? end - 1 : start), PyLong_FromSsize_t(end),
                        spans, al, left, area_o, height_o, feed_o);
        spans = NULL;  /* stolen */
    }
    Py_XDECREF(s_al);
    if (line == NULL || PyList_Append(c->events, line) < 0)
        goto done;
    ok = 0;
done:
    Py_DECREF(s);
    Py_XDECREF(left);
    Py_XDECREF(area_o);
    Py_XDECREF(spans);
    Py_XDECREF(height_o);
    Py_XDECREF(feed_o);
    Py_XDECREF(line);
    return ok;
}

/* A plain line: one span of text from the left edge, settings from _plain(). Mirrors the
 * `plain and len(raw) <= plain[8]` branch of TextLines._lines. */
static int
plain_line(Call *c, const char *p, Py_ssize_t n, Py_ssize_t q, Py_ssize_t end)
{
    PyObject *spans;
    if (n) {
        PyObject *text;
        if (!c->p_enc_flag && is_ascii(p, n))
            text = ascii_str(p, n);
        else  /* enc is single-byte here: _plain() gives None for the others */
            text = c_decode_line_text(p, n, c->p_enc, c->p_enc_flag);
        if (text == NULL)
            return -1;
        PyObject *span = new_span(text, 0, c->p_style, c->p_cell);
        Py_DECREF(text);
        if (span == NULL)
            return -1;
        spans = PyList_New(1);
        if (spans == NULL) {
            Py_DECREF(span);
            return -1;
        }
        PyList_SET_ITEM(spans, 0, span);
    }
    else if ((spans = PyList_New(0)) == NULL)
        return -1;
    /* a line that starts where the last one ended shares its int object */
    PyObject *offset = c->last_end != NULL && c->last_end_v == q ? Py_NewRef(c->last_end)
                                                                 : PyLong_FromSsize_t(q);
    PyObject *end_o = PyLong_FromSsize_t(end);
    Py_XSETREF(c->last_end, Py_XNewRef(end_o));
    c->last_end_v = end;
    PyObject *line = new_line(offset, end_o, spans, c->p_align, c->p_left, c->p_area, c->p_height,
                              c->p_feed);
    if (line == NULL)
        return -1;
    int r = PyList_Append(c->events, line);
    Py_DECREF(line);
    c->commands += 1;
    return r;
}

/* ------------------------------------------------------------------ lines() */

/* 0 once init() has been called; else -1 with the error set. */
static int
not_ready(void)
{
    if (Span_type != NULL)
        return 0;
    PyErr_SetString(PyExc_RuntimeError, "_textpath.init() was not called");
    return -1;
}

/* Length of the style command at p (style_runs.command_pattern), 0 when none starts there:
 * ESC SP ! - 3 4 E G M R V a r t { and GS ! B H f h w with one argument that is not LF, ESC
 * or GS; ESC 2; CR unless it ends lines. */
static Py_ssize_t
command_length(const unsigned char *p, const unsigned char *end, int cr_is_lf)
{
    if (*p == 0x0D)
        return cr_is_lf ? 0 : 1;
    if ((*p != 0x1B && *p != 0x1D) || p + 1 >= end)
        return 0;
    if (*p == 0x1B && p[1] == '2')
        return 2;
    if (memchr(*p == 0x1B ? " !-34EGMRVart{" : "!BHfhw", p[1], *p == 0x1B ? 14 : 6) == NULL
        || p[1] == 0)
        return 0;
    if (p + 2 >= end || p[2] == '\n' || p[2] == 0x1B || p[2] == 0x1D)
        return 0;
    return 3;
}

/* Length of a move within a line at p, 0 when none starts there: HT, ESC $ nL nH, ESC \\ nL nH. */
static Py_ssize_t
move_length(const unsigned char *p, const unsigned char *end)
{
    if (*p == 0x09)
        return 1;
    if (*p == 0x1B && p + 3 < end && (p[1] == '$' || p[1] == '\\'))
        return 4;
    return 0;
}

/* Whether a run [p, end) of style commands sets what Decoder._tab_stops reads (the font,
 * the character spacing, the width): ESC SP, ESC !, ESC M, GS !. An ESC t run (python-escpos
 * sends one before each accent) keeps the stops. */
static int
run_moves_tab_stops(const unsigned char *p, const unsigned char *end)
{
    while (p < end) {
        Py_ssize_t k = command_length(p, end, 0);
        if (k <= 0)
            return 1;  /* never inside a run: be safe */
        if (k == 3 && ((p[0] == 0x1B && (p[1] == ' ' || p[1] == '!' || p[1] == 'M'))
                       || (p[0] == 0x1D && p[1] == '!')))
            return 1;
        p += k;
    }
    return 0;
}

/* Where the whole lines starting at `pos` end (style_runs' lines pattern: text bytes 0x20-0xFF
 * and style commands, each line ended by LF, as many lines as are complete before `limit`);
 * -1 - i when not even one line is, i being where the scan stopped: no whole line starts
 * before it either. */
static Py_ssize_t
block_end(const unsigned char *buf, Py_ssize_t pos, Py_ssize_t limit, int cr_is_lf)
{
    Py_ssize_t last = -1, i = pos;
    while (i < limit) {
        unsigned char ch = buf[i];
        if (ch >= 0x20)
            i++;
        else if (ch == '\n')
            last = ++i;
        else {
            Py_ssize_t k = command_length(buf + i, buf + limit, cr_is_lf);
            if (k == 0 && (k = move_length(buf + i, buf + limit)) == 0)
                break;
            i += k;
        }
    }
    return last < 0 ? -1 - i : last;
}

/* A line's first text or move: it starts at c->q with the alignment in force. */
static int
start_line(Call *c)
{
    c->start = c->q;
    PyObject *s = dget(c, s_s);
    Py_XSETREF(c->align, s ? PyObject_GetAttr(s, s_align) : NULL);
    Py_XDECREF(s);
    return c->align == NULL ? -1 : 0;
}

/* One piece of text between runs (it may hold LFs): the body of the text branch of
 * TextLines._lines. */
static int
text_piece(Call *c, const char *p, const char *stop)
{
    for (;;) {  /* each segment ended by an LF */
        const char *lf = memchr(p, '\n', stop - p);
        if (lf == NULL)
            break;
        Py_ssize_t n = lf - p;
        Py_ssize_t end = c->q + n + 1;
        if (PyList_GET_SIZE(c->ops)) {
            if (n && (c->text_height = add_text(c, c->ops, p, n, c->text_height)) < 0)
                return -1;
            if (line_end(c, c->ops, c->start, c->align, c->text_height, end) < 0)
                return -1;
            Py_SETREF(c->ops, PyList_New(0));
            if (c->ops == NULL)
                return -1;
            Py_CLEAR(c->align);
            c->start = -1;
            c->text_height = 0;
        }
        else {
            if (c->plain_state == 0 && load_plain(c) < 0)
                return -1;
            if (c->plain_state == 2 && n <= c->p_max) {
                if (plain_line(c, p, n, c->q, end) < 0)
                    return -1;
            }
            else {  /* to wrap, or in a multi-byte encoding */
                PyObject *line_ops = PyList_New(0);
                PyObject *s = line_ops ? dget(c, s_s) : NULL;
                PyObject *al = s ? PyObject_GetAttr(s, s_align) : NULL;
                Py_ssize_t height = 0;
                int bad = al == NULL || (n && (height = add_text(c, line_ops, p, n, 0)) < 0)
                          || line_end(c, line_ops, c->q, al, height, end) < 0;
                Py_XDECREF(line_ops);
                Py_XDECREF(s);
                Py_XDECREF(al);
                if (bad)
                    return -1;
            }
        }
        c->q = end;
        p = lf + 1;
    }
    if (p < stop) {  /* text after the last LF: a line a run will continue */
        Py_ssize_t n = stop - p;
        if (!PyList_GET_SIZE(c->ops) && start_line(c) < 0)
            return -1;
        if ((c->text_height = add_text(c, c->ops, p, n, c->text_height)) < 0)
            return -1;
        c->q += n;
    }
    return 0;
}

/* HT, ESC $ or ESC \\ at p inside a line: the op `Decoder._move_op` makes, appended to the
 * line's ops (which start here when empty, as _c_ht / _line_move start the line). */
static int
move_op(Call *c, const unsigned char *p)
{
    if (!PyList_GET_SIZE(c->ops) && start_line(c) < 0)
        return -1;
    long kind;
    PyObject *value;
    if (*p == 0x09) {  /* [TAB, self._tab_stops()] */
        if (c->tab_stops == NULL) {
            c->tab_stops = call_method0(c->self, s_tab_stops);
            if (c->tab_stops == NULL)
                return -1;
            if (!PyTuple_Check(c->tab_stops)) {
                Py_CLEAR(c->tab_stops);
                PyErr_SetString(PyExc_TypeError, "_tab_stops must return a tuple");
                return -1;
            }
        }
        kind = 3;
        value = Py_NewRef(c->tab_stops);
    }
    else {  /* [ABS or REL, self._x(units)], as Decoder._move_op */
        if (!c->unit_x_known) {
            PyObject *s = dget(c, s_s);
            PyObject *ux = s ? PyObject_GetAttr(s, s_unit_x) : NULL;
            Py_XDECREF(s);
            if (ux == NULL)
                return -1;
            c->unit_x = PyFloat_AsDouble(ux);
            Py_DECREF(ux);
            if (c->unit_x == -1.0 && PyErr_Occurred())
                return -1;
            c->unit_x_known = 1;
        }
        long v = p[2] | p[3] << 8;
        kind = p[1] == '$' ? 1 : 2;
        if (kind == 2 && v >= 0x8000)
            v -= 0x10000;
        double dots = v * c->unit_x;  /* int(units * unit_x): truncated toward zero */
        if (!(dots > -1e15 && dots < 1e15)) {
            PyErr_SetString(PyExc_OverflowError, "motion unit out of range");
            return -1;
        }
        value = PyLong_FromLongLong((long long)dots);
        if (value == NULL)
            return -1;
    }
    PyObject *op = PyList_New(2);
    PyObject *k = PyLong_FromLong(kind);
    if (op == NULL || k == NULL) {
        Py_XDECREF(op);
        Py_XDECREF(k);
        Py_DECREF(value);
        return -1;
    }
    PyList_SET_ITEM(op, 0, k);
    PyList_SET_ITEM(op, 1, value);
    int r = PyList_Append(c->ops, op);
    Py_DECREF(op);
    c->commands += 1;
    return r;
}

/* self.commands += what was counted; keeps an error already raised. */
static int
flush_commands(Call *c)
{
    if (!c->commands)
        return 0;
    PyObject *et, *ev, *tb;
    PyErr_Fetch(&et, &ev, &tb);
    PyObject *old = PyObject_GetAttr(c->self, s_commands);
    PyObject *add = PyLong_FromSsize_t(c->commands);
    PyObject *sum = old && add ? PyNumber_Add(old, add) : NULL;
    int r = sum == NULL || PyObject_SetAttr(c->self, s_commands, sum) < 0 ? -1 : 0;
    Py_XDECREF(old);
    Py_XDECREF(add);
    Py_XDECREF(sum);
    if (et != NULL) {
        PyErr_Clear();  /* the first error is the one to report */
        PyErr_Restore(et, ev, tb);
    }
    return r;
}

/* lines(decoder, buf, pos, limit) -> the position after the whole lines at buf[pos:limit]
 * (and their events made), or -1 - i when no whole line starts before i (see block_end). Mirrors what _parse does
 * with `_lines_re.match` + TextLines._lines: the block is cut into text and runs of at most
 * 32 style commands (style_runs' split pattern), and each piece goes through the same steps
 * as in _lines. */
static PyObject *
textpath_lines(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (not_ready() < 0)
        return NULL;
    if (nargs != 4 || !PyByteArray_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "lines(decoder, buf: bytearray, pos, limit)");
        return NULL;
    }
    Call c = {0};
    c.self = args[0];
    Py_ssize_t pos = PyLong_AsSsize_t(args[2]), limit = PyLong_AsSsize_t(args[3]);
    if ((pos == -1 || limit == -1) && PyErr_Occurred())
        return NULL;
    Py_ssize_t size = PyByteArray_GET_SIZE(args[1]);
    if (limit > size)
        limit = size;
    if (pos < 0 || pos >= limit)
        return PyLong_FromSsize_t(-1 - limit);
    PyObject *cr = PyObject_GetAttr(c.self, s_cr_is_lf);
    if (cr == NULL)
        return NULL;
    int cr_is_lf = PyObject_IsTrue(cr);
    Py_DECREF(cr);
    if (cr_is_lf < 0)
        return NULL;
    Py_ssize_t stop = block_end((const unsigned char *)PyByteArray_AS_STRING(args[1]), pos, limit,
                                cr_is_lf);
    if (stop < 0)
        return PyLong_FromSsize_t(stop);
    /* a copy: the callbacks below run Python code, which must not see the buffer move */
    PyObject *block = PyBytes_FromStringAndSize(PyByteArray_AS_STRING(args[1]) + pos, stop - pos);
    if (block == NULL)
        return NULL;
    PyObject *result = NULL;
    c.start = -1;
    if (use_dict(&c) < 0)
        goto done;
    Py_ssize_t base = attr_ssize(c.self, s_base);
    if (base == -1 && PyErr_Occurred())
        goto done;
    c.q = base + pos;
    c.events = PyObject_GetAttr(c.self, s_events);
    c.runs = PyObject_GetAttr(c.self, s_runs);
    c.run_ctx = PyObject_GetAttr(c.self, s_run_ctx);
    c.profile = PyObject_GetAttr(c.self, s_profile);
    if (!c.events || !c.runs || !c.run_ctx || !c.profile)
        goto done;
    if (!PyList_Check(c.events) || !PyDict_Check(c.runs) || !PyDict_Check(c.run_ctx)) {
        PyErr_SetString(PyExc_TypeError, "decoder._events must be a list, _runs and _run_ctx dicts");
        goto done;
    }
    c.profile_width = attr_ssize(c.profile, s_width);
    if (c.profile_width == -1 && PyErr_Occurred())
        goto done;
    PyObject *wk = PyObject_GetAttr(c.profile, s_width_known);
    if (wk == NULL)
        goto done;
    c.width_known = PyObject_IsTrue(wk);
    Py_DECREF(wk);
    if (c.width_known < 0 || (c.ops = PyList_New(0)) == NULL)
        goto done;

    const unsigned char *data = (const unsigned char *)PyBytes_AS_STRING(block);
    const unsigned char *end = data + PyBytes_GET_SIZE(block), *text = data, *p = data;
    while (p < end) {
        Py_ssize_t k = *p >= 0x20 || *p == '\n' ? 0 : command_length(p, end, cr_is_lf);
        if (k == 0) {
            Py_ssize_t m = *p >= 0x20 || *p == '\n' ? 0 : move_length(p, end);
            if (m) {  /* a move inside the line: the text before it first */
                if (text < p && text_piece(&c, (const char *)text, (const char *)p) < 0)
                    goto done;
                if (move_op(&c, p) < 0)
                    goto done;
                c.q += m;
                text = p = p + m;
                continue;
            }
            p++;
            continue;
        }
        /* a run: up to 32 commands in a row; the text before it first */
        if (text < p && text_piece(&c, (const char *)text, (const char *)p) < 0)
            goto done;
        const unsigned char *r = p + k;
        for (int count = 1; count < 32 && r < end; count++) {
            Py_ssize_t k2 = command_length(r, end, cr_is_lf);
            if (k2 == 0)
                break;
            r += k2;
        }
        PyObject *run = PyBytes_FromStringAndSize((const char *)p, r - p);
        if (run == NULL)
            goto done;
        int bad = apply_run(&c, run, c.q) < 0;
        Py_DECREF(run);
        if (bad)
            goto done;
        c.q += r - p;
        clear_plain(&c);
        if (c.tab_stops != NULL && run_moves_tab_stops(p, r))
            Py_CLEAR(c.tab_stops);
        text = p = r;
    }
    if (text < end && text_piece(&c, (const char *)text, (const char *)end) < 0)
        goto done;
    result = PyLong_FromSsize_t(stop);
done:
    if (flush_commands(&c) < 0 && result != NULL)
        Py_CLEAR(result);
    Py_DECREF(block);
    Py_XDECREF(c.ops);
    Py_XDECREF(c.align);
    clear_plain(&c);
    Py_XDECREF(c.tab_stops);
    Py_XDECREF(c.events);
    Py_XDECREF(c.runs);
    Py_XDECREF(c.run_ctx);
    Py_XDECREF(c.profile);
    Py_XDECREF(c.dict);
    Py_XDECREF(c.last_end);
    return result;
}

/* apply_run(decoder, run, pos): TextLines._apply_run (pos: where the run is in the decoder's
 * buffer), with the memo of contexts after runs. For the runs _parse meets outside whole
 * lines (before a barcode). */
static PyObject *
textpath_apply_run(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (not_ready() < 0)
        return NULL;
    if (nargs != 3 || !PyBytes_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "apply_run(decoder, run: bytes, pos)");
        return NULL;
    }
    Call c = {0};
    c.self = args[0];
    PyObject *result = NULL;
    Py_ssize_t pos = PyLong_AsSsize_t(args[2]);
    Py_ssize_t base = pos == -1 && PyErr_Occurred() ? -1 : attr_ssize(c.self, s_base);
    if (base == -1 && PyErr_Occurred())
        return NULL;
    c.runs = PyObject_GetAttr(c.self, s_runs);
    c.run_ctx = c.runs ? PyObject_GetAttr(c.self, s_run_ctx) : NULL;
    if (c.run_ctx == NULL || use_dict(&c) < 0)
        goto done;
    if (!PyDict_Check(c.runs) || !PyDict_Check(c.run_ctx)) {
        PyErr_SetString(PyExc_TypeError, "decoder._runs and _run_ctx must be dicts");
        goto done;
    }
    if (apply_run(&c, args[1], base + pos) == 0)
        result = Py_NewRef(Py_None);
done:
    if (flush_commands(&c) < 0 && result != NULL)
        Py_CLEAR(result);
    Py_XDECREF(c.runs);
    Py_XDECREF(c.run_ctx);
    Py_XDECREF(c.dict);
    return result;
}

/* ------------------------------------------------------------------ rendering (render_text.py) */

/* render_text's per-line work: `line_text(line, cell)` and `receipt_lines(events, cell)`
 * mirror render_text.line_text_py and receipt_lines_py. Lines, spans and numbers of the
 * usual shapes (TextLine and Span exactly, str text, int x/cell/cell of a sane size) are
 * done here; any other line is handed to line_text_py, so the answer is always the
 * reference's. `init_render(Feed, Barcode, line_text_py, hri_text)` is called by render_text.py. */

static PyObject *Feed_type, *Barcode_type, *line_text_py, *hri_text_py;
static PyObject *s_lines, *s_hri, *s_data, *s_symbology, *s_none, *s_empty, *empty_list, *hri_above, *hri_below;

#define RENDER_BOUND ((long long)1 << 31)  /* |x|, |cell|, len(text) kept below this here */

/* str.rstrip() of an exact str: the same object when nothing is stripped. */
static PyObject *
rstrip(PyObject *text)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t end = n;
    while (end > 0 && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, end - 1)))
        end--;
    return end == n ? Py_NewRef(text) : PyUnicode_Substring(text, 0, end);
}

/* An exact int within +-RENDER_BOUND into *out; 0 when it is not one (no error set). */
static int
small_int(PyObject *v, long long *out)
{
    if (!PyLong_CheckExact(v))
        return 0;
    int overflow;
    long long r = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (overflow || r <= -RENDER_BOUND || r >= RENDER_BOUND)
        return 0;
    *out = r;
    return 1;
}

/* Python's round() of a float to an int (halves to even), as float.__round__ does it. */
static long long
round_half_even(double x)
{
    double r = round(x);
    if (fabs(x - r) == 0.5)
        r = 2.0 * round(x / 2.0);
    return (long long)r;
}

static long long
floor_div(long long a, long long b)  /* b > 0 */
{
    long long q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

#define SPAN_SLOT(span, i) (*(PyObject **)((char *)(span) + span_off[i]))
#define LINE_SLOT(line, i) (*(PyObject **)((char *)(line) + line_off[i]))

/* The columns walk of line_text_py over spans of the usual shape: with out == NULL it adds
 * up the characters (*total) and the widest one (*maxchar); else it writes them to out. */
static int
line_columns(PyObject *spans, long long cell, PyObject *out, long long *total, Py_UCS4 *maxchar)
{
    long long col = 0, half = cell / 2;
    Py_ssize_t at = 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(spans); i++) {
        PyObject *span = PyList_GET_ITEM(spans, i);
        PyObject *text = SPAN_SLOT(span, SP_TEXT);
        long long x = 0, scell = 0, n = PyUnicode_GET_LENGTH(text);
        small_int(SPAN_SLOT(span, SP_X), &x);
        small_int(SPAN_SLOT(span, SP_CELL), &scell);
        long long target = floor_div(x + half, cell);
        if (target > col) {  /* spaces up to the span's column */
            if (out != NULL && PyUnicode_Fill(out, at, (Py_ssize_t)(target - col), ' ') < 0)
                return -1;
            at += (Py_ssize_t)(target - col);
            col = target;
        }
        if (out == NULL) {
            if (n && PyUnicode_MAX_CHAR_VALUE(text) > *maxchar)
                *maxchar = PyUnicode_MAX_CHAR_VALUE(text);
        }
        else if (n && PyUnicode_CopyCharacters(out, at, text, 0, (Py_ssize_t)n) < 0)
            return -1;
        at += (Py_ssize_t)n;
        if (n) {  /* columns the text takes: its length when it is in the line's own cell */
            long long w = scell == cell ? n : round_half_even((double)(scell * n) / (double)cell);
            col += w > 1 ? w : 1;
        }
    }
    *total = at;
    return 0;
}

/* Mirrors render_text.line_text_py. New reference. */
static PyObject *
c_line_text(PyObject *line, PyObject *cell_obj)
{
    PyObject *spans = Py_IS_TYPE(line, (PyTypeObject *)TextLine_type) ? LINE_SLOT(line, TL_SPANS) : NULL;
    long long cell;
    if (spans == NULL || !PyList_CheckExact(spans) || !small_int(cell_obj, &cell) || cell <= 0)
        goto reference;
    Py_ssize_t count = PyList_GET_SIZE(spans);
    for (Py_ssize_t i = 0; i < count; i++) {  /* every span of the usual shape, or the reference */
        PyObject *span = PyList_GET_ITEM(spans, i), *text;
        long long x, scell;
        if (!Py_IS_TYPE(span, (PyTypeObject *)Span_type) || (text = SPAN_SLOT(span, SP_TEXT)) == NULL
            || !PyUnicode_CheckExact(text) || PyUnicode_GET_LENGTH(text) >= RENDER_BOUND
            || SPAN_SLOT(span, SP_X) == NULL || !small_int(SPAN_SLOT(span, SP_X), &x)
            || SPAN_SLOT(span, SP_CELL) == NULL || !small_int(SPAN_SLOT(span, SP_CELL), &scell)
            || (double)llabs(scell) * (double)PyUnicode_GET_LENGTH(text) >= 9007199254740992.0)
            goto reference;  /* (a product past 2**53 would not divide as Python's int / int) */
        if (count == 1 && x == 0)  /* most lines: one run of text from the left edge */
            return rstrip(text);
    }
    long long total;
    Py_UCS4 maxchar = 127;
    if (line_columns(spans, cell, NULL, &total, &maxchar) < 0)
        return NULL;
    if (total >= RENDER_BOUND)
        goto reference;
    PyObject *out = PyUnicode_New((Py_ssize_t)total, maxchar);
    if (out == NULL || line_columns(spans, cell, out, &total, &maxchar) < 0) {
        Py_XDECREF(out);
        return NULL;
    }
    PyObject *r = rstrip(out);  /* when shorter, a copy holding only the characters kept */
    Py_DECREF(out);
    return r;
reference:
    return call2(line_text_py, line, cell_obj);
}

static int
render_not_ready(void)
{
    if (not_ready() < 0)
        return -1;
    if (line_text_py != NULL)
        return 0;
    PyErr_SetString(PyExc_RuntimeError, "_textpath.init_render() was not called");
    return -1;
}

/* line_text(line, cell): render_text.line_text_py in C. */
static PyObject *
textpath_line_text(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (render_not_ready() < 0)
        return NULL;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "line_text(line, cell)");
        return NULL;
    }
    return c_line_text(args[0], args[1]);  /* any other object: the reference */
}

/* append the digits when e.hri is in `which` (a tuple, as `in (...)`); -1 on error */
static int
append_hri(PyObject *lines, PyObject *hri, PyObject *which, PyObject *data)
{
    int r = PySequence_Contains(which, hri);
    return r <= 0 ? r : PyList_Append(lines, data);
}

/* Mirrors render_text.receipt_lines_py (given the receipt's events). New list. */
static PyObject *
c_receipt_lines(PyObject *events, PyObject *cell)
{
    PyObject *seq = PySequence_Fast(events, "receipt events must be a sequence");
    if (seq == NULL)
        return NULL;
    PyObject *lines = PyList_New(0);
    if (lines == NULL)
        goto fail;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *e = items[i];
        int is = PyObject_IsInstance(e, TextLine_type);
        if (is < 0)
            goto fail;
        if (is) {  /* (a subclass of TextLine: c_line_text hands it to the reference) */
            PyObject *text = c_line_text(e, cell);
            if (text == NULL || PyList_Append(lines, text) < 0) {
                Py_XDECREF(text);
                goto fail;
            }
            Py_DECREF(text);
            continue;
        }
        if ((is = PyObject_IsInstance(e, Feed_type)) < 0)
            goto fail;
        if (is) {  /* lines.extend([""] * e.lines) */
            PyObject *count = PyObject_GetAttr(e, s_lines);
            PyObject *blank = count ? PyNumber_Multiply(empty_list, count) : NULL;
            Py_XDECREF(count);
            if (blank == NULL)
                goto fail;
            int r = PyList_SetSlice(lines, PyList_GET_SIZE(lines), PyList_GET_SIZE(lines), blank);
            Py_DECREF(blank);
            if (r < 0)
                goto fail;
            continue;
        }
        if ((is = PyObject_IsInstance(e, Barcode_type)) < 0)
            goto fail;
        if (is) {  /* the digits, above and/or below, when the printer prints them */
            PyObject *hri = PyObject_GetAttr(e, s_hri), *data = NULL;
            int shown = hri ? PyObject_RichCompareBool(hri, s_none, Py_NE) : -1;
            if (shown == 1) {
                data = PyObject_GetAttr(e, s_data);
                shown = data ? PyObject_IsTrue(data) : -1;
            }
            if (shown == 1) {  /* hri_text(e.symbology, e.data): with the check digit the printer adds */
                PyObject *sym = PyObject_GetAttr(e, s_symbology);
                PyObject *text = sym ? PyObject_CallFunctionObjArgs(hri_text_py, sym, data, NULL) : NULL;
                Py_XDECREF(sym);
                Py_SETREF(data, text);
                if (data == NULL)
                    shown = -1;
            }
            if (shown == 1 && (append_hri(lines, hri, hri_above, data) < 0
                               || append_hri(lines, hri, hri_below, data) < 0))
                shown = -1;
            Py_XDECREF(hri);
            Py_XDECREF(data);
            if (shown < 0)
                goto fail;
        }
    }
    Py_ssize_t keep = PyList_GET_SIZE(lines);  /* no blank lines at the end */
    while (keep > 0) {
        int t = PyObject_IsTrue(PyList_GET_ITEM(lines, keep - 1));
        if (t < 0)
            goto fail;
        if (t)
            break;
        keep--;
    }
    if (keep < PyList_GET_SIZE(lines) && PyList_SetSlice(lines, keep, PyList_GET_SIZE(lines), NULL) < 0)
        goto fail;
    Py_DECREF(seq);
    return lines;
fail:
    Py_DECREF(seq);
    Py_XDECREF(lines);
    return NULL;
}

/* receipt_lines(events, cell): render_text.receipt_lines_py in C. */
static PyObject *
textpath_receipt_lines(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (render_not_ready() < 0)
        return NULL;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "receipt_lines(events, cell)");
        return NULL;
    }
    return c_receipt_lines(args[0], args[1]);
}

/* init_render(Feed, Barcode, line_text_py, hri_text): called once by render_text.py at import. */
static PyObject *
textpath_init_render(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4 || !PyType_Check(args[0]) || !PyType_Check(args[1]) || !PyCallable_Check(args[2])
        || !PyCallable_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "init_render(Feed, Barcode, line_text_py, hri_text)");
        return NULL;
    }
    Py_XSETREF(Feed_type, Py_NewRef(args[0]));
    Py_XSETREF(Barcode_type, Py_NewRef(args[1]));
    Py_XSETREF(line_text_py, Py_NewRef(args[2]));
    Py_XSETREF(hri_text_py, Py_NewRef(args[3]));
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------ module */

/* init(Span, TextLine, decode_multibyte, FONT_HEIGHT, TEXT): called once by text_lines.py
 * at import. */
static PyObject *
textpath_init(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5 || !PyType_Check(args[0]) || !PyType_Check(args[1]) || !PyDict_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "init(Span, TextLine, decode_multibyte, FONT_HEIGHT: dict, TEXT)");
        return NULL;
    }
    Py_ssize_t span_new[SP_N], line_new[TL_N];  /* kept only when both classes pass */
    if (read_offsets(args[0], span_fields, span_new, SP_N) < 0
        || read_offsets(args[1], line_fields, line_new, TL_N) < 0)
        return NULL;
    memcpy(span_off, span_new, sizeof span_off);
    memcpy(line_off, line_new, sizeof line_off);
    Py_XSETREF(Span_type, Py_NewRef(args[0]));
    Py_XSETREF(TextLine_type, Py_NewRef(args[1]));
    Py_XSETREF(decode_multibyte, Py_NewRef(args[2]));
    Py_XSETREF(FONT_HEIGHT, Py_NewRef(args[3]));
    Py_XSETREF(TEXT, Py_NewRef(args[4]));
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"init", (PyCFunction)(void (*)(void))textpath_init, METH_FASTCALL,
     "init(Span, TextLine, decode_multibyte, FONT_HEIGHT, TEXT): what the text path uses."},
    {"lines", (PyCFunction)(void (*)(void))textpath_lines, METH_FASTCALL,
     "lines(decoder, buf, pos, limit): the whole lines at buf[pos:limit] decoded; the position "
     "after them, or -1 - i when no whole line starts before i (TextLines._lines in C)."},
    {"apply_run", (PyCFunction)(void (*)(void))textpath_apply_run, METH_FASTCALL,
     "apply_run(decoder, run, pos): TextLines._apply_run in C."},
    {"init_render", (PyCFunction)(void (*)(void))textpath_init_render, METH_FASTCALL,
     "init_render(Feed, Barcode, line_text_py, hri_text): what line_text and receipt_lines use."},
    {"line_text", (PyCFunction)(void (*)(void))textpath_line_text, METH_FASTCALL,
     "line_text(line, cell): render_text.line_text_py in C."},
    {"receipt_lines", (PyCFunction)(void (*)(void))textpath_receipt_lines, METH_FASTCALL,
     "receipt_lines(events, cell): render_text.receipt_lines_py in C (given the receipt's events)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_textpath",
    "The decoder's text path in C (optional; text_lines.py is the reference).", -1, methods,
};

#define INTERN(var, text) if ((var = PyUnicode_InternFromString(text)) == NULL) return NULL

PyMODINIT_FUNC
PyInit__textpath(void)
{
    INTERN(s_runs, "_runs");
    INTERN(s_s, "s");
    INTERN(s_style_cache, "_style_cache");
    INTERN(s_ctx, "_ctx");
    INTERN(s_context, "_context");
    INTERN(s_plain, "_plain");
    INTERN(s_warn, "_warn");
    INTERN(s_commands, "commands");
    INTERN(s_events, "_events");
    INTERN(s_profile, "profile");
    INTERN(s_width, "width");
    INTERN(s_width_known, "width_known");
    INTERN(s_area, "area");
    INTERN(s_left, "left");
    INTERN(s_align, "align");
    INTERN(s_font, "font");
    INTERN(s_height, "height");
    INTERN(s_line_spacing, "line_spacing");
    INTERN(s_line, "_line");
    INTERN(s_ops, "ops");
    INTERN(s_text_height, "text_height");
    INTERN(s_line_start, "_line_start");
    INTERN(s_print_line, "_print_line");
    INTERN(s_tab_stops, "_tab_stops");
    INTERN(s_unit_x, "unit_x");
    INTERN(s_apply_run, "_apply_run");
    INTERN(s_run_ctx, "_run_ctx");
    INTERN(s_base, "_base");
    INTERN(s_cr_is_lf, "cr_is_lf");
    INTERN(s_sb, "sb");
    INTERN(s_mb, "mb");
    INTERN(NFC, "NFC");
    INTERN(s_lines, "lines");
    INTERN(s_hri, "hri");
    INTERN(s_symbology, "symbology");
    INTERN(s_data, "data");
    INTERN(s_none, "none");
    INTERN(s_empty, "");
    if ((empty_list = PyList_New(1)) == NULL)
        return NULL;
    PyList_SET_ITEM(empty_list, 0, Py_NewRef(s_empty));
    if ((hri_above = Py_BuildValue("(ss)", "above", "both")) == NULL
        || (hri_below = Py_BuildValue("(ss)", "below", "both")) == NULL)
        return NULL;
    PyObject *ud = PyImport_ImportModule("unicodedata");
    if (ud == NULL)
        return NULL;
    normalize = PyObject_GetAttrString(ud, "normalize");
    Py_DECREF(ud);
    if (normalize == NULL)
        return NULL;
    PyObject *m = PyModule_Create(&module_def);
    /* text_lines.py uses this module only when API is the one it was written for */
    if (m != NULL && PyModule_AddIntConstant(m, "API", TEXTPATH_API) < 0)
        Py_CLEAR(m);
    return m;
}
