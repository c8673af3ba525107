"""Security for `apiforge diff`: what each operation requires, and how each scheme changed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from apiforge.diff.change import Emitter
from apiforge.diff.schema import canon
from apiforge.diff.sides import Side, Walk, as_list, as_mapping
from apiforge.document.walk import deref, iter_objects

__all__ = ["SecurityChanges"]

_SCHEMES = "#/components/securitySchemes"


@dataclass(frozen=True)
class _Scheme:
    """A security scheme as a requirement names it; equal when the same scheme on both sides."""

    id: str
    name: str = field(compare=False)


_Alternative = dict[_Scheme, frozenset[str]]  # one entry of a `security` list


class SecurityChanges(Walk):
    """Compares security requirements per operation and security schemes per document."""

    def __init__(self, old: Mapping[str, Any], new: Mapping[str, Any], emitter: Emitter) -> None:
        super().__init__(old, new, emitter)
        self.roots = tuple(Side(_schemes_of(doc), _SCHEMES, _SCHEMES) for doc in self.docs)
        self.schemes = tuple(
            {name: deref(s, doc) for name, s in as_mapping(root.node).items()}
            for doc, root in zip(self.docs, self.roots, strict=True)
        )
        self._named: set[str] | None = None

    def compare_requirements(self, label: str, o: Side, n: Side) -> None:
        """Compare who may call an operation: the alternatives of its effective `security`."""
        old_alts, at_o = self._requirements(0, o)
        new_alts, at_n = self._requirements(1, n)
        old_open, new_open = _anonymous(old_alts), _anonymous(new_alts)
        if old_open != new_open:
            if new_open:
                detail = "no longer requires authentication"
                self.emit("api-security-removed", False, label, detail, at_o, at_n)
            else:
                detail = "now requires authentication"
                self.emit("api-security-added", True, label, detail, at_o, at_n)
            return
        if old_open:
            return
        for alt in old_alts:
            if any(_grants(alt, b) for b in new_alts):
                continue
            same = [b for b in new_alts if b.keys() == alt.keys()]
            if same:
                detail = f"security {_alt_text(alt)} now needs more scopes: {_alt_text(same[0])}"
                self.emit("api-security-scope-added", True, label, detail, at_o, at_n)
            else:
                detail = f"security {_alt_text(alt)} is no longer accepted"
                self.emit("api-security-requirement-removed", True, label, detail, at_o, at_n)
        for alt in new_alts:
            if alt in old_alts:
                continue
            same = [a for a in old_alts if a.keys() == alt.keys()]
            if not same:
                detail = f"security {_alt_text(alt)} is now also accepted"
                self.emit("api-security-requirement-added", False, label, detail, at_o, at_n)
            elif _grants(same[0], alt):
                detail = f"security {_alt_text(same[0])} needs fewer scopes: {_alt_text(alt)}"
                self.emit("api-security-scope-removed", False, label, detail, at_o, at_n)

    def _requirements(self, side: int, op: Side) -> tuple[list[_Alternative], Side]:
        doc = self.docs[side]
        if isinstance(op.node, Mapping) and "security" in op.node:
            at = op.at(doc, "security")
        else:
            at = Side(doc.get("security"), "#/security", "#/security")
        alts: list[_Alternative] = []
        for requirement in as_list(at.node):
            alts.append(
                {
                    self._scheme_key(side, str(k)): frozenset(map(str, as_list(v)))
                    for k, v in as_mapping(requirement).items()
                }
            )
        return alts, at

    def _scheme_key(self, side: int, name: str) -> _Scheme:
        """Same name on both sides, or (when renamed) the same shape: the same scheme."""
        scheme = self.schemes[side].get(name)
        if scheme is None or (name in self.schemes[0] and name in self.schemes[1]):
            return _Scheme("name:" + name, name)
        return _Scheme("shape:" + _shape(scheme), name)

    def compare_schemes(self) -> None:
        """Compare `components.securitySchemes`; a renamed scheme of the same shape is no change."""
        shapes = [{_shape(s) for s in side.values()} for side in self.schemes]
        olds, news = ({k: k for k in side} for side in self.schemes)
        for name, o, n in self.keyed(self.roots[0], self.roots[1], olds, news):
            label = f"security scheme `{name}`"
            if n.node is None:
                if _shape(o.node) not in shapes[1]:
                    used = name in self._used()
                    detail = "security scheme removed" + ("" if used else " (no operation used it)")
                    self.emit("api-security-component-removed", used, label, detail, o, n)
            elif o.node is None:
                if _shape(n.node) not in shapes[0]:
                    detail = "security scheme added"
                    self.emit("api-security-component-added", False, label, detail, o, n)
            else:
                self._scheme(label, o, n)

    def _used(self) -> set[str]:
        """The old document's schemes some requirement names, found once."""
        if self._named is None:
            self._named = _named_schemes(self.docs[0])
        return self._named

    def _scheme(self, label: str, o: Side, n: Side) -> None:
        if o.get("type") != n.get("type"):
            detail = f"type changed from `{o.get('type')}` to `{n.get('type')}`"
            self.emit("api-security-component-type-changed", True, label, detail, o, n)
            return
        for key in ("in", "name", "scheme", "openIdConnectUrl"):
            was, now = o.get(key), n.get(key)
            if key == "scheme" and isinstance(was, str) and isinstance(now, str):
                was, now = was.lower(), now.lower()
            if was != now:
                detail = f"`{key}` changed from `{was}` to `{now}`"
                self.emit("api-security-component-changed", True, label, detail, o, n)
        old_flows, new_flows = as_mapping(o.get("flows")), as_mapping(n.get("flows"))
        for flow in sorted(set(old_flows) | set(new_flows)):
            self._flow(label, flow, o, n)

    def _flow(self, label: str, flow: str, o: Side, n: Side) -> None:
        """One OAuth flow: present on both sides, with the same URLs and scopes."""
        fo = as_mapping(as_mapping(o.get("flows")).get(flow))
        fn = as_mapping(as_mapping(n.get("flows")).get(flow))
        at_o, at_n = o.at(self.docs[0], "flows", flow), n.at(self.docs[1], "flows", flow)
        if not fn or not fo:
            detail = f"flow `{flow}` {'removed' if not fn else 'added'}"
            self.emit("api-security-component-changed", not fn, label, detail, at_o, at_n)
            return
        for url in ("authorizationUrl", "tokenUrl", "refreshUrl"):
            if fo.get(url) != fn.get(url):
                detail = f"{flow} `{url}` changed from `{fo.get(url)}` to `{fn.get(url)}`"
                kind = "api-security-component-oauth-url-changed"
                self.emit(kind, True, label, detail, at_o, at_n)
        old_scopes, new_scopes = (
            set(as_mapping(fo.get("scopes"))),
            set(as_mapping(fn.get("scopes"))),
        )
        for verb, breaking, scopes in (
            ("removed", True, old_scopes - new_scopes),
            ("added", False, new_scopes - old_scopes),
        ):
            for scope in sorted(scopes):
                kind = f"api-security-component-oauth-scope-{verb}"
                self.emit(kind, breaking, label, f"scope `{scope}` {verb}", at_o, at_n)


def _schemes_of(doc: Mapping[str, Any]) -> Any:
    return as_mapping(doc.get("components")).get("securitySchemes")


def _named_schemes(doc: Mapping[str, Any]) -> set[str]:
    """The schemes some security requirement names: the root's, any operation's (callbacks too)."""
    lists = [doc.get("security")]
    lists += [node.get("security") for _, kind, node in iter_objects(doc) if kind == "operation"]
    return {str(name) for found in lists for req in as_list(found) for name in as_mapping(req)}


def _anonymous(alts: list[_Alternative]) -> bool:
    return not alts or any(not alt for alt in alts)


def _grants(have: _Alternative, need: _Alternative) -> bool:
    """A client holding the credentials of `have` satisfies the requirement `need`."""
    return all(key in have and scopes <= have[key] for key, scopes in need.items())


def _alt_text(alt: _Alternative) -> str:
    parts = []
    for scheme, scopes in sorted(alt.items(), key=lambda item: item[0].name):
        parts.append(f"`{scheme.name}`" + (f" [{', '.join(sorted(scopes))}]" if scopes else ""))
    return " + ".join(parts)


def _shape(scheme: Any) -> str:
    """A security scheme without its prose, oauth scopes reduced to their names."""
    if not isinstance(scheme, Mapping):
        return canon(scheme)
    flat: dict[str, Any] = {
        k: v for k, v in scheme.items() if k != "description" and not str(k).startswith("x-")
    }
    if isinstance(flat.get("flows"), Mapping):
        flat["flows"] = {
            f: {**as_mapping(v), "scopes": sorted(as_mapping(as_mapping(v).get("scopes")))}
            for f, v in flat["flows"].items()
        }
    return canon(flat)
