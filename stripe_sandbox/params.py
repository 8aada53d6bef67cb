"""Stripe's form encoding of nested parameters: `a[b][0][c]=v` and `a[]=v`, both ways."""

import re
from urllib.parse import parse_qsl

_KEY_PART = re.compile(r"\[([^\]]*)\]")


class ParamsError(ValueError):
    pass


def decode_params(pairs) -> dict:
    """Turn (key, value) pairs as Stripe clients send them into nested dicts and lists."""
    root: dict = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        parts = [head] + (_KEY_PART.findall("[" + rest) if rest else [])
        if not head:
            raise ParamsError(f"Invalid parameter name: {key}")
        node = root
        for position, part in enumerate(parts):
            last = position == len(parts) - 1
            if last:
                if part == "":
                    node.setdefault("", []).append(value)
                else:
                    node[part] = value
            else:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = {}
                    node[part] = child
                node = child
    return _lists_from_indexed_dicts(root)


def _lists_from_indexed_dicts(node):
    if not isinstance(node, dict):
        return node
    if set(node) == {""}:
        return [_lists_from_indexed_dicts(item) for item in node[""]]
    converted = {}
    for key, value in node.items():
        if isinstance(value, dict) and set(value) == {""}:
            converted[key] = [_lists_from_indexed_dicts(item) for item in value[""]]
        else:
            converted[key] = _lists_from_indexed_dicts(value)
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def decode_form(body: bytes) -> dict:
    return decode_params(parse_qsl(body.decode("utf-8"), keep_blank_values=True))


def encode_params(params: dict, prefix: str = "") -> list[tuple[str, str]]:
    """The inverse of decode_params, as stripe-python encodes requests."""
    pairs = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, dict):
            pairs.extend(encode_params(value, name))
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    pairs.extend(encode_params(item, f"{name}[{index}]"))
                else:
                    pairs.append((f"{name}[{index}]", _scalar(item)))
        elif value is not None:
            pairs.append((name, _scalar(value)))
    return pairs


def _scalar(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
