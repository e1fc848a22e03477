"""A tool's argument model made from its function's signature: `def lookup_user(user_id: str,
ctx: ToolContext) -> dict` takes `user_id`, with defaults, `Annotated[..., Field(...)]` and
pydantic types as they are written, and each argument's description from the docstring's
`Args:` section (Google style) or `:param name:` lines. Pure code, run at import."""

import inspect
import re
import typing
from collections.abc import Callable
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, create_model
from pydantic.errors import PydanticSchemaGenerationError, PydanticUserError

from relay.tools.context import ToolContext

_SECTION = re.compile(
    r"^\s*(Args|Arguments|Parameters|Returns?|Raises|Yields|Examples?|Notes?):\s*$"
)
_ARG_LINE = re.compile(r"^\s*(\*{0,2}\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
_SPHINX_PARAM = re.compile(r"^\s*:param\s+(?:[^:]*\s)?(\w+)\s*:\s*(.*)$")


class ToolDefinitionError(ValueError):
    """A tool that cannot work as written; the message is one line naming the tool."""


def split_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """The docstring's summary (everything before its first section) and its arguments'
    descriptions."""
    lines = inspect.cleandoc(doc or "").splitlines()
    summary: list[str] = []
    described: dict[str, str] = {}
    section: str | None = None
    current: str | None = None
    for line in lines:
        header = _SECTION.match(line)
        sphinx = _SPHINX_PARAM.match(line)
        if header:
            section, current = header.group(1).lower(), None
        elif sphinx:
            current = sphinx.group(1)
            described[current] = sphinx.group(2).strip()
        elif section in ("args", "arguments", "parameters") and (arg := _ARG_LINE.match(line)):
            current = arg.group(1).lstrip("*")
            described[current] = arg.group(2).strip()
        elif current is not None and line.strip() and line.startswith((" ", "\t")):
            described[current] = f"{described[current]} {line.strip()}".strip()
        elif section is None and not line.lstrip().startswith(":"):
            summary.append(line)
    return "\n".join(summary).strip(), described


def _is_context(annotation: Any) -> bool:
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation is ToolContext


def arguments_model(name: str, handler: Callable[..., Any]) -> tuple[type[BaseModel], str | None]:
    """The argument model for a hint-typed tool, and the name of its ToolContext parameter
    (None when it takes none). A parameter without a type hint is a one-line error."""
    try:
        hints = typing.get_type_hints(handler, include_extras=True)
    except Exception as err:  # an annotation that does not resolve
        raise ToolDefinitionError(f"tool {name!r}: its type hints do not resolve: {err}") from None
    _, described = split_docstring(handler.__doc__)
    fields: dict[str, Any] = {}
    context: str | None = None
    for param in inspect.signature(handler).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise ToolDefinitionError(
                f"tool {name!r}: *{param.name} cannot be a tool argument; name each one"
            )
        annotation = hints.get(param.name, inspect.Parameter.empty)
        if _is_context(annotation) or (
            annotation is inspect.Parameter.empty and param.name == "ctx"
        ):
            context = param.name
            continue
        if annotation is inspect.Parameter.empty:
            raise ToolDefinitionError(
                f"tool {name!r}: argument {param.name!r} has no type hint (the model needs one)"
            )
        default = ... if param.default is inspect.Parameter.empty else param.default
        description = described.get(param.name)
        if description and not _has_field_description(annotation):
            annotation = Annotated[annotation, Field(description=description)]
        fields[param.name] = (annotation, default)
    model_name = "".join(part.capitalize() for part in name.split("_")) + "Args"
    try:
        model = create_model(model_name, __config__=ConfigDict(extra="forbid"), **fields)
        model.model_json_schema()
    except (PydanticSchemaGenerationError, PydanticUserError, TypeError, ValueError) as err:
        first = str(err).strip().splitlines()[0]
        raise ToolDefinitionError(
            f"tool {name!r}: its arguments cannot be a JSON schema: {first}"
        ) from None
    return model, context


def _has_field_description(annotation: Any) -> bool:
    if get_origin(annotation) is not Annotated:
        return False
    return any(getattr(meta, "description", None) for meta in get_args(annotation)[1:])


def check_returns(name: str, handler: Callable[..., Any]) -> None:
    """A return annotation must be something relay can send as JSON (none is fine)."""
    try:
        annotation = typing.get_type_hints(handler).get("return")
    except Exception:  # reported by arguments_model, or the tool takes a model
        return
    if annotation is None or annotation is type(None):
        return
    try:
        TypeAdapter(annotation).json_schema(mode="serialization")
    except (PydanticSchemaGenerationError, PydanticUserError, TypeError, ValueError):
        raise ToolDefinitionError(
            f"tool {name!r}: it returns {getattr(annotation, '__name__', annotation)!s}, which "
            "cannot be sent as JSON; return a dict, a list, a pydantic model or a plain value"
        ) from None


def keyword_handler(handler: Callable[..., Any], context: str | None) -> Callable[[Any, Any], Any]:
    """The handler relay calls, `(args, ctx)`, for a function written with its own
    arguments: it is given each field by name (and the context where it asks for one)."""

    def call(args: BaseModel, ctx: Any) -> Any:
        given = {field: getattr(args, field) for field in type(args).model_fields}
        if context is not None:
            given[context] = ctx
        return handler(**given)

    return call
