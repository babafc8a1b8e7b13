"""Rust declarations rendered from rustdoc JSON's type model.

The JSON format changes often (`format_version` 56, 57, ...), so every reader
here uses `.get()` with fallbacks and renders shapes it does not know as `_`
instead of failing: one odd type must not cost a whole crate its docs.  The
output imitates rustdoc's own `item-decl` blocks so the JSON and HTML
extractors store the same text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

#: Old or alternative spellings of item kinds, mapped to the current ones.
_KIND_ALIASES = {
    "typedef": "type_alias",
    "import": "use",
    "method": "function",
    "proc_attribute": "attr_macro",
    "proc_derive": "derive_macro",
    "foreign_type": "extern_type",
}
_PROC_MACRO_KINDS = {"bang": "macro", "attr": "attr_macro", "derive": "derive_macro"}
_INDENT = "    "


def key(item_id: Any) -> str:
    """Index key of an id: ints in current formats, strings like `0:12` in old ones."""
    return str(item_id)


def split_inner(item: Mapping[str, Any]) -> tuple[str, Any]:
    """The item's kind and its kind-specific payload, across JSON layouts.

    Current layout: `"inner": {"struct": {...}}` (or a bare string for
    payload-less kinds); old layout: `"kind": "struct", "inner": {...}`.
    """
    inner = item.get("inner")
    old_kind = item.get("kind")
    if isinstance(old_kind, str) and not (isinstance(inner, dict) and old_kind in inner):
        kind, payload = old_kind, inner
    elif isinstance(inner, dict) and len(inner) == 1:
        kind, payload = next(iter(inner.items()))
    elif isinstance(inner, str):
        kind, payload = inner, {}
    else:
        return "", {}
    kind = _KIND_ALIASES.get(kind, kind)
    if kind == "proc_macro":
        macro_kind = payload.get("kind") if isinstance(payload, dict) else None
        kind = _PROC_MACRO_KINDS.get(macro_kind, "macro")
    return kind, payload


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _one(value: Any) -> tuple[str, Any]:
    """The single `{tag: payload}` pair of an externally tagged enum value."""
    if isinstance(value, str):
        return value, None
    if isinstance(value, dict):
        if set(value) == {"kind", "inner"} and isinstance(value["kind"], str):
            return value["kind"], value["inner"]
        if len(value) == 1:
            return next(iter(value.items()))
    return "", None


class SignatureRenderer:
    """Renders types, generics and whole declarations of one crate's JSON."""

    def __init__(self, index: Mapping[str, Any], paths: Mapping[str, Any]) -> None:
        self._index = index
        self._paths = paths

    # ----------------------------------------------------------------- types

    def type(self, ty: Any) -> str:
        """A type as Rust source; unknown shapes become `_`."""
        tag, val = _one(ty)
        render = _TYPE_RENDERERS.get(tag)
        return render(self, val) if render else "_"

    def _resolved_path(self, path: Any) -> str:
        path = as_dict(path)
        return self.path_name(path) + self.generic_args(path.get("args"))

    def summary(self, item_id: Any) -> dict[str, Any]:
        """The `paths` table entry of an id (crate, defining path, kind), or `{}`."""
        return as_dict(self._paths.get(key(item_id)))

    def path_name(self, path: Mapping[str, Any]) -> str:
        """Last segment of a path as written, else of the `paths` table entry."""
        written = path.get("path") or path.get("name") or ""
        if written:
            return written.rsplit("::", 1)[-1]
        summary = self.summary(path.get("id"))
        segments = _as_list(summary.get("path"))
        return str(segments[-1]) if segments else "_"

    def _reference(self, val: Any) -> str:
        val = as_dict(val)
        lifetime = val.get("lifetime")
        mutable = val.get("is_mutable", val.get("mutable", False))
        inner = self._pointee(val.get("type"))
        return "&" + (f"{lifetime} " if lifetime else "") + ("mut " if mutable else "") + inner

    def _raw_pointer(self, val: Any) -> str:
        val = as_dict(val)
        mutable = val.get("is_mutable", val.get("mutable", False))
        return ("*mut " if mutable else "*const ") + self._pointee(val.get("type"))

    def _pointee(self, ty: Any) -> str:
        """Pointee type, parenthesised when it is a multi-bound `dyn`/`impl`."""
        text = self.type(ty)
        tag, val = _one(ty)
        if tag == "dyn_trait":
            val = as_dict(val)
            if len(_as_list(val.get("traits"))) + bool(val.get("lifetime")) > 1:
                return f"({text})"
        if tag == "impl_trait" and len(_as_list(val)) > 1:
            return f"({text})"
        return text

    def _tuple(self, val: Any) -> str:
        items = [self.type(t) for t in _as_list(val)]
        return f"({items[0]},)" if len(items) == 1 else "(" + ", ".join(items) + ")"

    def _array(self, val: Any) -> str:
        val = as_dict(val)
        return f"[{self.type(val.get('type'))}; {val.get('len', '_')}]"

    def _qualified_path(self, val: Any) -> str:
        val = as_dict(val)
        self_type = val.get("self_type")
        name = str(val.get("name", "_")) + self.generic_args(val.get("args"))
        trait = val.get("trait")
        if isinstance(trait, dict) and (trait.get("path") or trait.get("name")):
            return f"<{self.type(self_type)} as {self._resolved_path(trait)}>::{name}"
        if _one(self_type)[0] == "generic":
            return f"{self.type(self_type)}::{name}"
        return f"<{self.type(self_type)}>::{name}"

    def _dyn_trait(self, val: Any) -> str:
        val = as_dict(val)
        parts = [self._poly_trait(t) for t in _as_list(val.get("traits"))]
        if val.get("lifetime"):
            parts.append(str(val["lifetime"]))
        return "dyn " + " + ".join(parts)

    def _poly_trait(self, poly: Any) -> str:
        poly = as_dict(poly)
        return self._hrtb(poly.get("generic_params")) + self._resolved_path(poly.get("trait"))

    def _impl_trait(self, val: Any) -> str:
        return "impl " + self.bounds(val)

    def _function_pointer(self, val: Any) -> str:
        val = as_dict(val)
        sig = as_dict(val.get("sig", val.get("decl")))
        args = []
        for name, ty in _inputs(sig):
            rendered = self.type(ty)
            args.append(rendered if name in ("", "_") else f"{name}: {rendered}")
        if sig.get("is_c_variadic", sig.get("c_variadic")):
            args.append("...")
        head = self._hrtb(val.get("generic_params")) + self.fn_qualifiers(val.get("header"))
        return f"{head}fn({', '.join(args)})" + self._output(sig.get("output"))

    def _pat(self, val: Any) -> str:
        val = as_dict(val)
        pattern = val.get("__pat_unstable_do_not_use", "_")
        return f"{self.type(val.get('type'))} is {pattern}"

    # -------------------------------------------------------- generic pieces

    def generic_args(self, args: Any) -> str:
        """`<'a, T, Item = U>` or `(A, B) -> C`; empty when there are none."""
        tag, val = _one(args)
        val = as_dict(val)
        if tag == "angle_bracketed":
            parts = [self._generic_arg(a) for a in _as_list(val.get("args"))]
            constraints = val.get("constraints", val.get("bindings"))
            parts += [self._constraint(c) for c in _as_list(constraints)]
            return "<" + ", ".join(parts) + ">" if parts else ""
        if tag == "parenthesized":
            inputs = ", ".join(self.type(t) for t in _as_list(val.get("inputs")))
            return f"({inputs})" + self._output(val.get("output"))
        if tag == "return_type_notation":
            return "(..)"
        return ""

    def _generic_arg(self, arg: Any) -> str:
        tag, val = _one(arg)
        if tag == "lifetime":
            return str(val)
        if tag == "type":
            return self.type(val)
        if tag == "const":
            return _const_expr(val)
        return "_"

    def _constraint(self, constraint: Any) -> str:
        constraint = as_dict(constraint)
        name = str(constraint.get("name", "_")) + self.generic_args(constraint.get("args"))
        tag, val = _one(constraint.get("binding"))
        if tag == "equality":
            return f"{name} = {self._term(val)}"
        if tag == "constraint":
            return f"{name}: {self.bounds(val)}"
        return name

    def _term(self, term: Any) -> str:
        tag, val = _one(term)
        if tag == "type":
            return self.type(val)
        if tag == "constant":
            return _const_expr(val)
        return self.type(term)

    def bounds(self, bounds: Any) -> str:
        """`Trait<A> + ?Sized + 'a` from a list of generic bounds."""
        return " + ".join(self._bound(b) for b in _as_list(bounds))

    def _bound(self, bound: Any) -> str:
        tag, val = _one(bound)
        if tag == "trait_bound":
            val = as_dict(val)
            modifier = {"maybe": "?", "maybe_const": "~const "}.get(val.get("modifier"), "")
            hrtb = self._hrtb(val.get("generic_params"))
            return hrtb + modifier + self._resolved_path(val.get("trait"))
        if tag == "outlives":
            return str(val)
        if tag == "use":
            args = [a if isinstance(a, str) else str(_one(a)[1]) for a in _as_list(val)]
            return "use<" + ", ".join(args) + ">"
        return "_"

    def _hrtb(self, params: Any) -> str:
        rendered = self._params(params)
        return f"for<{rendered}> " if rendered else ""

    def _params(self, params: Any) -> str:
        return ", ".join(filter(None, (self._param(p) for p in _as_list(params))))

    def _param(self, param: Any) -> str:
        param = as_dict(param)
        name = str(param.get("name", "_"))
        tag, val = _one(param.get("kind"))
        val = as_dict(val)
        if tag == "lifetime":
            outlives = _as_list(val.get("outlives"))
            return name + (": " + " + ".join(outlives) if outlives else "")
        if tag == "type":
            if val.get("is_synthetic", val.get("synthetic")):
                return ""
            text = name + (f": {self.bounds(val['bounds'])}" if val.get("bounds") else "")
            default = val.get("default")
            return text + (f" = {self.type(default)}" if default is not None else "")
        if tag == "const":
            default = val.get("default")
            text = f"const {name}: {self.type(val.get('type'))}"
            return text + (f" = {default}" if default is not None else "")
        return name

    def generics(self, generics: Any) -> str:
        """`<'a, T: Bound>` of a declaration; empty when there are no parameters."""
        rendered = self._params(as_dict(generics).get("params"))
        return f"<{rendered}>" if rendered else ""

    def where_predicates(self, generics: Any) -> list[str]:
        """The declaration's `where` predicates, one string each."""
        return [self._predicate(p) for p in _as_list(as_dict(generics).get("where_predicates"))]

    def _predicate(self, predicate: Any) -> str:
        tag, val = _one(predicate)
        val = as_dict(val)
        if tag == "bound_predicate":
            hrtb = self._hrtb(val.get("generic_params"))
            return f"{hrtb}{self.type(val.get('type'))}: {self.bounds(val.get('bounds'))}"
        if tag == "lifetime_predicate":
            return f"{val.get('lifetime', '_')}: " + " + ".join(_as_list(val.get("outlives")))
        if tag == "eq_predicate":
            return f"{self.type(val.get('lhs'))} == {self._term(val.get('rhs'))}"
        return "_"

    def where_clause(self, generics: Any, *, multiline: bool, indent: str = "") -> str:
        """` where A: B` (inline) or rustfmt's `\\nwhere\\n    A: B,` block."""
        predicates = self.where_predicates(generics)
        if not predicates:
            return ""
        if not multiline:
            return " where " + ", ".join(predicates)
        lines = "".join(f"\n{indent}{_INDENT}{p}," for p in predicates)
        return f"\n{indent}where{lines}"

    # ------------------------------------------------------------- functions

    def fn_qualifiers(self, header: Any) -> str:
        """`const async unsafe extern "C" ` from a function header (old or new form)."""
        if isinstance(header, list):  # old formats: ["const", "unsafe", ...]
            flags = {str(h) for h in header}
            return "".join(f"{q} " for q in ("const", "async", "unsafe") if q in flags)
        header = as_dict(header)
        text = "".join(
            f"{q} " for q in ("const", "async", "unsafe") if header.get(f"is_{q}", header.get(q))
        )
        return text + _abi(header.get("abi"))

    def function(
        self, name: str, payload: Any, *, vis: str, multiline: bool, indent: str = ""
    ) -> str:
        """`pub fn name<T>(args) -> Out where ...` for a function or method."""
        payload = as_dict(payload)
        sig = as_dict(payload.get("sig", payload.get("decl")))
        generics = payload.get("generics")
        args = [self._fn_input(arg_name, ty) for arg_name, ty in _inputs(sig)]
        if sig.get("is_c_variadic", sig.get("c_variadic")):
            args.append("...")
        head = vis + self.fn_qualifiers(payload.get("header"))
        text = f"{head}fn {name}{self.generics(generics)}({', '.join(args)})"
        text += self._output(sig.get("output"))
        return text + self.where_clause(generics, multiline=multiline, indent=indent)

    def _fn_input(self, name: str, ty: Any) -> str:
        if name == "self":
            tag, val = _one(ty)
            if tag == "generic" and val == "Self":
                return "self"
            if tag == "borrowed_ref" and _one(as_dict(val).get("type")) == ("generic", "Self"):
                return self._reference(val).replace("Self", "self", 1)
        return f"{name}: {self.type(ty)}"

    def _output(self, output: Any) -> str:
        if output is None or _one(output) == ("tuple", []):
            return ""
        return f" -> {self.type(output)}"

    # ---------------------------------------------------- item declarations

    def item(self, key_: str) -> dict[str, Any]:
        """The index entry of `key_` (empty dict if absent)."""
        return as_dict(self._index.get(key_))

    def struct_fields(self, payload: Any) -> tuple[str, list[str]]:
        """Struct shape (`plain`, `tuple`, `unit`) and its visible field ids."""
        payload = as_dict(payload)
        if "kind" in payload:
            tag, val = _one(payload["kind"])
            if tag == "plain":
                return "plain", [key(f) for f in _as_list(as_dict(val).get("fields"))]
            if tag == "tuple":
                return "tuple", [key(f) if f is not None else "" for f in _as_list(val)]
            return "unit", []
        shape = payload.get("struct_type", "plain")  # old formats
        return shape, [key(f) for f in _as_list(payload.get("fields"))]

    def field(self, field_key: str, *, named: bool) -> str:
        """`pub name: Type` (named) or `pub Type` (tuple); hidden tuple fields as a comment."""
        field = self.item(field_key)
        if not field:
            return "/* private field */"
        vis = "pub " if field.get("visibility") == "public" else ""
        ty = self.type(split_inner(field)[1])
        return f"{vis}{field.get('name', '_')}: {ty}" if named else f"{vis}{ty}"

    def _field_block(self, keys: list[str], stripped: bool, indent: str) -> str:
        lines = [f"{indent}{_INDENT}{self.field(k, named=True)}," for k in keys]
        if stripped:
            lines.append(f"{indent}{_INDENT}/* private fields */")
        if not lines:
            return "{}"
        return "{\n" + "\n".join(lines) + f"\n{indent}}}"

    def _tuple_fields(self, keys: list[str]) -> str:
        if keys and not any(keys):
            return "(/* private fields */)"
        return "(" + ", ".join(self.field(k, named=False) for k in keys) + ")"

    def struct(self, name: str, payload: Any, *, keyword: str = "struct") -> str:
        """`pub struct Name<T> { pub a: A, /* private fields */ }` and friends."""
        payload = as_dict(payload)
        generics = payload.get("generics")
        head = f"pub {keyword} {name}{self.generics(generics)}"
        where = self.where_clause(generics, multiline=True)
        shape, keys = self.struct_fields(payload)
        stripped = _stripped(payload, "fields")
        if shape == "tuple":
            return f"{head}{self._tuple_fields(keys)}{where};"
        if shape == "unit":
            return f"{head}{where};"
        visible = [k for k in keys if self.item(k)]
        if not visible and stripped:
            body = "{ /* private fields */ }"
        else:
            body = self._field_block(visible, stripped, "")
        return _with_body(head, where, body)

    def variant(self, variant_key: str, *, indent: str = "", multiline: bool = True) -> str:
        """`Name`, `Name(A, B)`, `Name { a: A }` or `Name = 3` for one enum variant."""
        variant = self.item(variant_key)
        name = str(variant.get("name", "_"))
        payload = as_dict(split_inner(variant)[1])
        tag, val = _one(payload.get("kind", "plain"))
        if tag == "tuple":
            keys = [key(f) if f is not None else "" for f in _as_list(val)]
            return name + self._tuple_fields(keys)
        if tag == "struct":
            val = as_dict(val)
            keys = [key(f) for f in _as_list(val.get("fields"))]
            stripped = bool(val.get("has_stripped_fields", val.get("fields_stripped")))
            if multiline:
                return f"{name} {self._field_block(keys, stripped, indent)}"
            fields = [self.field(k, named=True) for k in keys]
            fields += ["/* private fields */"] if stripped else []
            return f"{name} {{ {', '.join(fields)} }}"
        discriminant = as_dict(payload.get("discriminant"))
        return name + (f" = {discriminant['expr']}" if discriminant.get("expr") else "")

    def enum(self, name: str, payload: Any) -> str:
        """`pub enum Name { A, B(T), ... }` with rustdoc's `// some variants omitted`."""
        payload = as_dict(payload)
        generics = payload.get("generics")
        head = f"pub enum {name}{self.generics(generics)}"
        where = self.where_clause(generics, multiline=True)
        lines = [
            f"{_INDENT}{self.variant(key(v), indent=_INDENT)},"
            for v in _as_list(payload.get("variants"))
        ]
        if _stripped(payload, "variants"):
            lines.append(f"{_INDENT}// some variants omitted")
        body = "{\n" + "\n".join(lines) + "\n}" if lines else "{}"
        return _with_body(head, where, body)

    def assoc_const(self, name: str, payload: Any, *, vis: str) -> str:
        """`const NAME: Type = value` (value only when the JSON has one)."""
        payload = as_dict(payload)
        value = payload.get("value", payload.get("default"))
        text = f"{vis}const {name}: {self.type(payload.get('type'))}"
        return text + (f" = {value}" if value and value != "_" else "")

    def assoc_type(self, name: str, payload: Any, *, vis: str) -> str:
        """`type Name<'a>: Bounds = Default where ...`."""
        payload = as_dict(payload)
        generics = payload.get("generics")
        text = f"{vis}type {name}{self.generics(generics)}"
        if payload.get("bounds"):
            text += f": {self.bounds(payload['bounds'])}"
        default = payload.get("type", payload.get("default"))
        if default is not None:
            text += f" = {self.type(default)}"
        return text + self.where_clause(generics, multiline=False)

    def member(self, item: Mapping[str, Any], *, vis: str, multiline: bool) -> str:
        """Signature of a method, associated const or associated type."""
        kind, payload = split_inner(item)
        name = str(item.get("name", "_"))
        if kind == "function":
            return self.function(name, payload, vis=vis, multiline=multiline)
        if kind == "assoc_const":
            return self.assoc_const(name, payload, vis=vis)
        if kind == "assoc_type":
            return self.assoc_type(name, payload, vis=vis)
        return name

    def trait(self, name: str, payload: Any) -> str:
        """`pub trait Name<T>: Bounds { type A; const B: T; fn c(); ... }` like rustdoc."""
        payload = as_dict(payload)
        generics = payload.get("generics")
        head = "pub " + ("unsafe " if payload.get("is_unsafe") else "")
        head += ("auto " if payload.get("is_auto") else "") + f"trait {name}"
        head += self.generics(generics)
        if payload.get("bounds"):
            head += f": {self.bounds(payload['bounds'])}"
        where = self.where_clause(generics, multiline=True)
        groups = self._trait_body(payload.get("items"))
        body = "\n\n".join("\n".join(group) for group in groups)
        return _with_body(head, where, f"{{\n{body}\n}}" if groups else "{}")

    def _trait_body(self, item_ids: Any) -> list[list[str]]:
        types: list[str] = []
        consts: list[str] = []
        required: list[str] = []
        provided: list[str] = []
        for item_id in _as_list(item_ids):
            item = self.item(key(item_id))
            kind, payload = split_inner(item)
            sig = self.member(item, vis="", multiline=False)
            if kind == "function":
                sig = sig.replace(" where ", f"\n{_INDENT}   where ", 1)
                target = provided if as_dict(payload).get("has_body") else required
                target.append(f"{_INDENT}{sig}" + (" { ... }" if target is provided else ";"))
            elif kind == "assoc_type":
                types.append(f"{_INDENT}{sig};")
            elif kind == "assoc_const":
                consts.append(f"{_INDENT}{sig};")
        groups = [g for g in (types, consts) if g]
        for label, group in (("Required", required), ("Provided", provided)):
            if group:
                plural = "method" if len(group) == 1 else "methods"
                groups.append([f"{_INDENT}// {label} {plural}", *group])
        return groups

    def impl_header(self, payload: Any) -> str:
        """`impl<T> Trait<A> for Type<T> where ...` on one line."""
        payload = as_dict(payload)
        generics = payload.get("generics")
        head = ("unsafe " if payload.get("is_unsafe") else "") + "impl"
        head += self.generics(generics) + " "
        trait = payload.get("trait")
        if isinstance(trait, dict):
            negative = "!" if payload.get("is_negative", payload.get("negative")) else ""
            head += f"{negative}{self._resolved_path(trait)} for "
        head += self.type(payload.get("for"))
        return head + self.where_clause(generics, multiline=False)

    def trait_name(self, payload: Any) -> str:
        """`Send` / `!Send` for an impl's trait; `_` when the impl is inherent."""
        payload = as_dict(payload)
        trait = payload.get("trait")
        if not isinstance(trait, dict):
            return "_"
        negative = "!" if payload.get("is_negative", payload.get("negative")) else ""
        return negative + self.path_name(trait)

    def declaration(self, item: Mapping[str, Any], kind: str, payload: Any, *, name: str) -> str:
        """The rustdoc-style declaration of a stored (non-member) item, under `name`.

        `name` is the public name, which differs from the item's own for
        renamed re-exports (`pub use anyhow as format_err;`).
        """
        payload_dict = as_dict(payload)
        generics = payload_dict.get("generics")
        if kind == "module":
            return f"pub mod {name}"
        if kind in ("struct", "union"):
            return self.struct(name, payload, keyword=kind)
        if kind == "enum":
            return self.enum(name, payload)
        if kind == "trait":
            return self.trait(name, payload)
        if kind == "function":
            return self.function(name, payload, vis="pub ", multiline=True)
        if kind == "type_alias":
            where = self.where_clause(generics, multiline=True)
            aliased = self.type(payload_dict.get("type"))
            return f"pub type {name}{self.generics(generics)}{where} = {aliased};"
        if kind == "trait_alias":
            bounds = self.bounds(payload_dict.get("params", payload_dict.get("bounds")))
            where = self.where_clause(generics, multiline=True)
            return f"pub trait {name}{self.generics(generics)} = {bounds}{where};"
        if kind == "constant":
            return self._constant(name, payload_dict)
        if kind == "static":
            mutable = "mut " if payload_dict.get("is_mutable", payload_dict.get("mutable")) else ""
            return f"pub static {mutable}{name}: {self.type(payload_dict.get('type'))}"
        return _macro_declaration(name, kind, payload, str(item.get("name") or name))

    def _constant(self, name: str, payload: dict[str, Any]) -> str:
        const = payload.get("const", payload)  # old formats inline expr/value
        expr = _const_expr(const) if isinstance(const, dict) else str(const)
        return f"pub const {name}: {self.type(payload.get('type'))} = {expr};"


def _with_body(head: str, where: str, body: str) -> str:
    """`head { ... }`, or rustfmt's `head\nwhere\n    ...,\n{ ... }` with a where clause."""
    return f"{head}{where}\n{body}" if where else f"{head} {body}"


def _macro_declaration(name: str, kind: str, payload: Any, own_name: str) -> str:
    if kind == "macro" and isinstance(payload, str):
        return payload.strip().replace(f"macro_rules! {own_name} ", f"macro_rules! {name} ", 1)
    if kind == "attr_macro":
        return f"#[{name}]"
    if kind == "derive_macro":
        helpers = _as_list(as_dict(payload).get("helpers"))
        if not helpers:
            return f"#[derive({name})]"
        lines = "\n".join(f"{_INDENT}#[{h}]" for h in helpers)
        return (
            f"#[derive({name})]\n{{\n{_INDENT}// Attributes available to this derive:\n{lines}\n}}"
        )
    if kind == "macro":
        return f"{name}!() {{ /* proc-macro */ }}"
    return name


def _stripped(payload: Mapping[str, Any], what: str) -> bool:
    """Whether private/hidden fields or variants were left out of the JSON."""
    kind_val = as_dict(_one(payload.get("kind"))[1]) if "kind" in payload else {}
    return bool(
        payload.get(f"has_stripped_{what}")
        or payload.get(f"{what}_stripped")
        or kind_val.get(f"has_stripped_{what}")
    )


def _inputs(sig: Mapping[str, Any]) -> Iterable[tuple[str, Any]]:
    for pair in _as_list(sig.get("inputs")):
        if isinstance(pair, list) and len(pair) == 2:
            yield str(pair[0]), pair[1]


def _const_expr(const: Any) -> str:
    if isinstance(const, dict):
        return str(const.get("expr") or const.get("value") or "_")
    return str(const) if const else "_"


def _abi(abi: Any) -> str:
    tag, val = _one(abi)
    if not tag or tag == "Rust":
        return ""
    if tag == "Other":
        name = str(val).strip('"')
    else:
        unwind = isinstance(val, dict) and val.get("unwind")
        name = {"SysV64": "sysv64"}.get(tag, tag.lower() if tag != "C" else "C")
        name += "-unwind" if unwind else ""
    return f'extern "{name}" '


_TYPE_RENDERERS = {
    "resolved_path": SignatureRenderer._resolved_path,
    "generic": lambda _self, val: str(val),
    "primitive": lambda _self, val: str(val),
    "borrowed_ref": SignatureRenderer._reference,
    "raw_pointer": SignatureRenderer._raw_pointer,
    "tuple": SignatureRenderer._tuple,
    "slice": lambda self, val: f"[{self.type(val)}]",
    "array": SignatureRenderer._array,
    "qualified_path": SignatureRenderer._qualified_path,
    "dyn_trait": SignatureRenderer._dyn_trait,
    "impl_trait": SignatureRenderer._impl_trait,
    "function_pointer": SignatureRenderer._function_pointer,
    "infer": lambda _self, _val: "_",
    "pat": SignatureRenderer._pat,
}
