/* Heron's row builder: the loop of heron/db/query/loading.py's generated loaders, in C.
 *
 * A Builder turns driver rows (tuples, or any sequence such as asyncpg's Record) into
 * instances of one model class: for each row a new object whose __dict__ is a dict of
 * the row's converted values plus constant entries ("_persisted": True, ...), made without
 * calling __init__. Three usual conversions are done here without calling Python code:
 *
 *   UTC_TEXT  "YYYY-MM-DD HH:MM:SS[.ffffff]" (Heron's SQLite date-times) -> aware UTC datetime
 *   DECIMAL   a float (or an int) -> Decimal with the field's decimal places, as "%.Nf"
 *   BOOL      an int -> True/False
 *
 * Any other value of such a column, and every value of a CALL column, goes to the
 * column's Python converter, so the result is always what the converter gives. None is
 * never converted. Errors raised by a converter propagate.
 *
 * Optional: when this module is not built, heron/db/query/loading.py uses its generated
 * Python loaders, which give the same instances.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <datetime.h>
#include <math.h>

enum { K_PLAIN = 0, K_CALL = 1, K_UTC_TEXT = 2, K_DECIMAL = 3, K_BOOL = 4 };

static PyObject *dict_name;     /* "__dict__" */
static PyObject *empty_args;    /* () */
static PyObject *decimal_type;  /* decimal.Decimal */
static PyObject *decimal_args;  /* a 1-tuple reused for Decimal(text) while nobody else holds it */
static int decimal_in_c;        /* Decimal is _decimal's: its constructor runs no Python code */

typedef struct {
    PyObject_HEAD
    PyTypeObject *cls;
    PyObject *keys;       /* tuple of str: the __dict__ key of each converted column */
    PyObject *converters; /* tuple: each column's Python converter, or None */
    PyObject *tail;       /* tuple of (key, value) pairs added to every __dict__ */
    PyObject *hooks;      /* list: while not empty, announce(instance) is called */
    PyObject *announce;
    Py_ssize_t width;
    Py_ssize_t needed;    /* a row has at least this many items: the largest index + 1 */
    Py_ssize_t *index;    /* the row position of each column */
    unsigned char *kind;
    int *places;
} Builder;

/* ---- conversions: a new reference, or NULL without an exception for "not the usual case" */

static int read_digits(const char *s, int n, int *out)
{
    int value = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        value = value * 10 + (s[i] - '0');
    }
    *out = value;
    return 1;
}

static PyObject *utc_text(PyObject *value)
{
    if (!PyUnicode_Check(value) || !PyUnicode_IS_ASCII(value))
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(value);
    const char *s = (const char *)PyUnicode_DATA(value);
    int year, month, day, hour, minute, second, micro = 0;
    if (n != 19 && n != 26)
        return NULL;
    if (s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':')
        return NULL;
    if (!read_digits(s, 4, &year) || !read_digits(s + 5, 2, &month) || !read_digits(s + 8, 2, &day)
        || !read_digits(s + 11, 2, &hour) || !read_digits(s + 14, 2, &minute)
        || !read_digits(s + 17, 2, &second))
        return NULL;
    if (n == 26 && (s[19] != '.' || !read_digits(s + 20, 6, &micro)))
        return NULL;
    PyObject *result = PyDateTimeAPI->DateTime_FromDateAndTime(
        year, month, day, hour, minute, second, micro, PyDateTime_TimeZone_UTC,
        PyDateTimeAPI->DateTimeType);
    if (result == NULL)
        PyErr_Clear(); /* out of range: the converter says what is wrong */
    return result;
}

/* Decimal(text), calling the type's tp_new with a reused argument tuple; steals text. */
static PyObject *make_decimal(PyObject *text)
{
    PyTypeObject *type = (PyTypeObject *)decimal_type;
    PyObject *result;
    if (decimal_in_c && decimal_args == NULL)
        decimal_args = PyTuple_New(1);
    if (decimal_in_c && decimal_args != NULL && Py_REFCNT(decimal_args) == 1) {
        PyTuple_SET_ITEM(decimal_args, 0, text); /* the tuple holds our reference */
        result = type->tp_new(type, decimal_args, NULL);
        if (Py_REFCNT(decimal_args) == 1) {
            PyTuple_SET_ITEM(decimal_args, 0, NULL);
            Py_DECREF(text);
        }
        else { /* kept by someone (never by Decimal itself): let it go, with the text */
            Py_DECREF(decimal_args);
            decimal_args = NULL;
        }
        return result;
    }
    if (decimal_in_c && decimal_args == NULL)
        PyErr_Clear();
    result = PyObject_CallOneArg(decimal_type, text);
    Py_DECREF(text);
    return result;
}

static PyObject *decimal_of(PyObject *value, int places)
{
    static const double scale[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    double x;
    if (PyFloat_CheckExact(value))
        x = PyFloat_AS_DOUBLE(value);
    else if (PyLong_CheckExact(value)) { /* SQLite's NUMERIC affinity keeps whole numbers as ints */
        x = PyLong_AsDouble(value);
        if (x == -1.0 && PyErr_Occurred()) {
            PyErr_Clear();
            return NULL;
        }
        if (fabs(x) > 9007199254740992.0) /* 2**53: the int may not be exact as a float */
            return NULL;
    }
    else
        return NULL;
    if (places < 0 || places > 9 || !isfinite(x))
        return NULL;
    /* Below 2**40 the product's rounding error is under 2**-12, so a fraction within 0.49
     * of a whole number rounds as "%.Nf" rounds the exact value: print that number. */
    double scaled = x * scale[places];
    if (fabs(scaled) < 1099511627776.0) {
        double whole = nearbyint(scaled);
        double off = scaled - whole;
        if (off < 0.49 && off > -0.49 && !(whole == 0.0 && signbit(x))) {
            long long number = (long long)whole;
            unsigned long long rest = number < 0 ? (unsigned long long)(-number) : (unsigned long long)number;
            char buffer[48];
            char *p = buffer + sizeof(buffer);
            for (int i = 0; i < places; i++) {
                *--p = (char)('0' + rest % 10);
                rest /= 10;
            }
            if (places)
                *--p = '.';
            do {
                *--p = (char)('0' + rest % 10);
                rest /= 10;
            } while (rest);
            if (number < 0)
                *--p = '-';
            Py_ssize_t length = buffer + sizeof(buffer) - p;
            PyObject *text = PyUnicode_New(length, 127); /* ASCII: no decoding */
            if (text == NULL)
                return NULL;
            memcpy(PyUnicode_DATA(text), p, (size_t)length);
            return make_decimal(text);
        }
    }
    char *formatted = PyOS_double_to_string(x, 'f', places, 0, NULL);
    if (formatted == NULL)
        return NULL;
    PyObject *text = PyUnicode_FromString(formatted);
    PyMem_Free(formatted);
    return text == NULL ? NULL : make_decimal(text);
}

/* The column's value converted: a new reference, NULL with an exception on failure. */
static PyObject *convert(Builder *self, Py_ssize_t column, PyObject *value)
{
    PyObject *result = NULL;
    switch (self->kind[column]) {
    case K_UTC_TEXT:
        result = utc_text(value);
        break;
    case K_DECIMAL:
        result = decimal_of(value, self->places[column]);
        break;
    case K_BOOL:
        if (PyLong_CheckExact(value))
            result = PyBool_FromLong(PyObject_IsTrue(value));
        break;
    default:
        break;
    }
    if (result != NULL || PyErr_Occurred())
        return result;
    return PyObject_CallOneArg(PyTuple_GET_ITEM(self->converters, column), value);
}

static PyObject *build_one(Builder *self, PyObject *row)
{
    Py_ssize_t ntail = PyTuple_GET_SIZE(self->tail);
    int is_tuple = PyTuple_Check(row);
    if (is_tuple && PyTuple_GET_SIZE(row) < self->needed) {
        PyErr_SetString(PyExc_IndexError, "the row is shorter than the statement's columns");
        return NULL;
    }
    PyObject *data = _PyDict_NewPresized(self->width + ntail);
    if (data == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < self->width; i++) {
        PyObject *value;
        if (is_tuple) {
            value = PyTuple_GET_ITEM(row, self->index[i]);
            Py_INCREF(value);
        }
        else if ((value = PySequence_GetItem(row, self->index[i])) == NULL)
            goto fail;
        if (value != Py_None && self->kind[i] != K_PLAIN) {
            PyObject *converted = convert(self, i, value);
            Py_DECREF(value);
            if (converted == NULL)
                goto fail;
            value = converted;
        }
        int error = PyDict_SetItem(data, PyTuple_GET_ITEM(self->keys, i), value);
        Py_DECREF(value);
        if (error)
            goto fail;
    }
    for (Py_ssize_t i = 0; i < ntail; i++) {
        PyObject *pair = PyTuple_GET_ITEM(self->tail, i);
        if (PyDict_SetItem(data, PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1)))
            goto fail;
    }
    /* object.__new__(cls) without its empty attribute storage, which setting __dict__
     * would only turn into a dict and drop (an abstract class is left to object.__new__). */
    PyObject *instance = self->cls->tp_flags & Py_TPFLAGS_IS_ABSTRACT
                             ? PyBaseObject_Type.tp_new(self->cls, empty_args, NULL)
                             : self->cls->tp_alloc(self->cls, 0);
    if (instance == NULL)
        goto fail;
    /* The class's own __dict__ descriptor, as `instance.__dict__ = data` would use. */
    if (PyObject_SetAttr(instance, dict_name, data)) {
        Py_DECREF(instance);
        goto fail;
    }
    Py_DECREF(data);
    if (PyList_GET_SIZE(self->hooks)) {
        PyObject *sent = PyObject_CallOneArg(self->announce, instance);
        if (sent == NULL) {
            Py_DECREF(instance);
            return NULL;
        }
        Py_DECREF(sent);
    }
    return instance;
fail:
    Py_DECREF(data);
    return NULL;
}

static PyObject *not_ready(void)
{
    PyErr_SetString(PyExc_TypeError, "the Builder is not initialised");
    return NULL;
}

static PyObject *Builder_one(Builder *self, PyObject *row)
{
    return self->cls == NULL ? not_ready() : build_one(self, row);
}

static PyObject *Builder_many(Builder *self, PyObject *rows)
{
    if (self->cls == NULL)
        return not_ready();
    PyObject *sequence = PySequence_Fast(rows, "rows must be a sequence");
    if (sequence == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(sequence);
    PyObject *out = PyList_New(n);
    if (out == NULL) {
        Py_DECREF(sequence);
        return NULL;
    }
    for (Py_ssize_t r = 0; r < n; r++) {
        PyObject *instance = build_one(self, PySequence_Fast_GET_ITEM(sequence, r));
        if (instance == NULL) {
            Py_DECREF(sequence);
            Py_DECREF(out); /* the unset items are NULL, which a list's deallocation skips */
            return NULL;
        }
        PyList_SET_ITEM(out, r, instance);
    }
    Py_DECREF(sequence);
    return out;
}

static int Builder_init(Builder *self, PyObject *args, PyObject *kwds)
{
    static char *names[] = {"cls", "columns", "tail", "hooks", "announce", NULL};
    PyObject *cls, *columns, *tail, *hooks, *announce;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!O!O!O:Builder", names, &PyType_Type, &cls,
                                     &PyTuple_Type, &columns, &PyTuple_Type, &tail, &PyList_Type,
                                     &hooks, &announce))
        return -1;
    if (self->cls != NULL) {
        PyErr_SetString(PyExc_TypeError, "a Builder is initialised once");
        return -1;
    }
    Py_ssize_t width = PyTuple_GET_SIZE(columns);
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(tail); i++) {
        PyObject *pair = PyTuple_GET_ITEM(tail, i);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
            PyErr_SetString(PyExc_TypeError, "tail items are (key, value) pairs");
            return -1;
        }
    }
    PyObject *keys = PyTuple_New(width), *converters = PyTuple_New(width);
    PyMem_Free(self->index); /* from an earlier call that failed */
    PyMem_Free(self->kind);
    PyMem_Free(self->places);
    self->index = PyMem_New(Py_ssize_t, width ? width : 1);
    self->kind = PyMem_New(unsigned char, width ? width : 1);
    self->places = PyMem_New(int, width ? width : 1);
    if (keys == NULL || converters == NULL || !self->index || !self->kind || !self->places) {
        Py_XDECREF(keys);
        Py_XDECREF(converters);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < width; i++) {
        /* (key, row index, kind, converter, places) */
        PyObject *key, *converter;
        Py_ssize_t index;
        int kind, places;
        if (!PyArg_ParseTuple(PyTuple_GET_ITEM(columns, i), "UniOi:column", &key, &index, &kind,
                              &converter, &places))
            goto error;
        if (index < 0 || kind < K_PLAIN || kind > K_BOOL
            || (kind != K_PLAIN && !PyCallable_Check(converter))) {
            PyErr_SetString(PyExc_ValueError, "a column needs an index >= 0, a known kind and a converter");
            goto error;
        }
        Py_INCREF(key);
        PyUnicode_InternInPlace(&key);
        PyTuple_SET_ITEM(keys, i, key);
        Py_INCREF(converter);
        PyTuple_SET_ITEM(converters, i, converter);
        self->index[i] = index;
        if (index + 1 > self->needed)
            self->needed = index + 1;
        self->kind[i] = (unsigned char)kind;
        self->places[i] = places;
    }
    Py_INCREF(cls);
    Py_INCREF(tail);
    Py_INCREF(hooks);
    Py_INCREF(announce);
    self->cls = (PyTypeObject *)cls;
    self->keys = keys;
    self->converters = converters;
    self->tail = tail;
    self->hooks = hooks;
    self->announce = announce;
    self->width = width;
    return 0;
error:
    Py_DECREF(keys);
    Py_DECREF(converters);
    return -1;
}

static int Builder_traverse(Builder *self, visitproc visit, void *arg)
{
    Py_VISIT(self->cls);
    Py_VISIT(self->keys);
    Py_VISIT(self->converters);
    Py_VISIT(self->tail);
    Py_VISIT(self->hooks);
    Py_VISIT(self->announce);
    return 0;
}

static int Builder_clear(Builder *self)
{
    Py_CLEAR(self->cls);
    Py_CLEAR(self->keys);
    Py_CLEAR(self->converters);
    Py_CLEAR(self->tail);
    Py_CLEAR(self->hooks);
    Py_CLEAR(self->announce);
    self->width = 0;
    return 0;
}

static void Builder_dealloc(Builder *self)
{
    PyObject_GC_UnTrack(self);
    Builder_clear(self);
    PyMem_Free(self->index);
    PyMem_Free(self->kind);
    PyMem_Free(self->places);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Builder_new(PyTypeObject *type, PyObject *Py_UNUSED(args), PyObject *Py_UNUSED(kwds))
{
    return type->tp_alloc(type, 0); /* fields zeroed: a Builder not initialised builds nothing */
}

static PyMethodDef Builder_methods[] = {
    {"one", (PyCFunction)Builder_one, METH_O, "The instance of one row."},
    {"many", (PyCFunction)Builder_many, METH_O, "A list of the instances of the rows."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject BuilderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "heron.db.query._rowbuild.Builder",
    .tp_doc = PyDoc_STR("Builds instances of one model class from the rows of one statement."),
    .tp_basicsize = sizeof(Builder),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = Builder_new,
    .tp_init = (initproc)Builder_init,
    .tp_dealloc = (destructor)Builder_dealloc,
    .tp_traverse = (traverseproc)Builder_traverse,
    .tp_clear = (inquiry)Builder_clear,
    .tp_methods = Builder_methods,
};

static struct PyModuleDef rowbuild_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "heron.db.query._rowbuild",
    .m_doc = PyDoc_STR("Heron's row builder in C (optional; see heron/db/query/loading.py)."),
    .m_size = -1,
};

PyMODINIT_FUNC PyInit__rowbuild(void)
{
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == NULL)
        return NULL;
    PyObject *decimal = PyImport_ImportModule("decimal");
    if (decimal == NULL)
        return NULL;
    decimal_type = PyObject_GetAttrString(decimal, "Decimal");
    Py_DECREF(decimal);
    if (decimal_type == NULL)
        return NULL;
    if (!PyType_Check(decimal_type)) {
        PyErr_SetString(PyExc_ImportError, "decimal.Decimal is not a type");
        return NULL;
    }
    /* The argument tuple is reused only with the C implementation, whose constructor
     * cannot let another thread in while the tuple is lent to it. */
    PyObject *c_decimal = PyImport_ImportModule("_decimal");
    if (c_decimal == NULL)
        PyErr_Clear();
    else {
        PyObject *c_type = PyObject_GetAttrString(c_decimal, "Decimal");
        decimal_in_c = c_type == decimal_type;
        Py_XDECREF(c_type);
        Py_DECREF(c_decimal);
        PyErr_Clear();
    }
    dict_name = PyUnicode_InternFromString("__dict__");
    empty_args = PyTuple_New(0);
    if (dict_name == NULL || empty_args == NULL || PyType_Ready(&BuilderType) < 0)
        return NULL;
    PyObject *module = PyModule_Create(&rowbuild_module);
    if (module == NULL)
        return NULL;
    PyObject *kinds[][2] = {{PyUnicode_FromString("PLAIN"), PyLong_FromLong(K_PLAIN)},
                            {PyUnicode_FromString("CALL"), PyLong_FromLong(K_CALL)},
                            {PyUnicode_FromString("UTC_TEXT"), PyLong_FromLong(K_UTC_TEXT)},
                            {PyUnicode_FromString("DECIMAL"), PyLong_FromLong(K_DECIMAL)},
                            {PyUnicode_FromString("BOOL"), PyLong_FromLong(K_BOOL)}};
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        int failed = kinds[i][0] == NULL || kinds[i][1] == NULL
                     || PyModule_AddObjectRef(module, PyUnicode_AsUTF8(kinds[i][0]), kinds[i][1]) < 0;
        Py_XDECREF(kinds[i][0]);
        Py_XDECREF(kinds[i][1]);
        if (failed) {
            Py_DECREF(module);
            return NULL;
        }
    }
    if (PyModule_AddObjectRef(module, "Builder", (PyObject *)&BuilderType) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
