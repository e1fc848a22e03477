"""An agent's conversation by reference. Each model turn of an agent run sends only the
messages added since its previous turn, with `continues`: the chained digest of the
conversation that turn sent. So a run's history holds every message once, and the whole
conversation a model saw is rebuilt from the history alone (`conversations`), as the LLM
activity does when it has not seen the earlier turn itself. Pure: workflow code uses it."""

import hashlib
import json
from collections.abc import Iterable, Sequence

from relay.agents.llm_models import LlmRequest, Message


def chained(continues: str | None, messages: Sequence[Message]) -> str:
    """The digest naming a conversation: the one it continues, then these messages."""
    canonical = json.dumps(
        [m.model_dump(mode="json") for m in messages], sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(f"{continues or ''}\n{canonical}".encode()).hexdigest()[:32]


def conversations(requests: Iterable[LlmRequest]) -> dict[str, list[Message]]:
    """Each conversation the requests sent (in the order they were sent), by its digest. A
    request continuing a conversation not among them is left out."""
    known: dict[str, list[Message]] = {}
    for request in requests:
        earlier = [] if request.continues is None else known.get(request.continues)
        if earlier is not None:
            known[chained(request.continues, request.messages)] = earlier + request.messages
    return known


def whole(request: LlmRequest, known: dict[str, list[Message]]) -> list[Message] | None:
    """What the model saw for `request`, given the conversations before it (None: unknown)."""
    if request.continues is None:
        return request.messages
    earlier = known.get(request.continues)
    return None if earlier is None else earlier + request.messages


class ConversationSender:
    """The agent's side: which of its messages a turn must send, and what it continues. A
    conversation changed other than by appending (folded into a summary) is sent whole."""

    def __init__(self) -> None:
        self._sent: list[Message] = []
        self._digest: str | None = None

    def next_turn(self, messages: list[Message]) -> tuple[list[Message], str | None]:
        """The messages to send and the digest they continue (None: send them all)."""
        sent = self._sent
        appended = (
            self._digest is not None
            and len(messages) >= len(sent)
            and all(a is b for a, b in zip(sent, messages, strict=False))
        )
        continues = self._digest if appended else None
        delta = messages[len(sent) :] if appended else list(messages)
        self._sent, self._digest = list(messages), chained(continues, delta)
        return delta, continues
