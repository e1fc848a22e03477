"""The agent conversations a worker's LLM activity has seen, by digest
(agents/conversation_chain.py). A turn that continues one is made whole here; a turn whose
earlier conversation this worker has not seen (another worker took that turn, or it restarted)
reads it back from the agent run's history, where every message is recorded once."""

from collections import OrderedDict

from temporalio.client import Client

from relay.agents.conversation_chain import conversations
from relay.agents.llm_models import LlmRequest, Message
from relay.temporal.activity_records import activity_records

# Conversations kept per worker (their messages are shared between the turns of one run).
KEPT_CONVERSATIONS = 2000
CONVERSATION_UNKNOWN = "ConversationUnknown"
LLM_ACTIVITY = "llm"


class ConversationCache:
    def __init__(self, kept: int = KEPT_CONVERSATIONS) -> None:
        self._kept = kept
        self._known: OrderedDict[str, list[Message]] = OrderedDict()

    def get(self, digest: str) -> list[Message] | None:
        messages = self._known.get(digest)
        if messages is not None:
            self._known.move_to_end(digest)
        return messages

    def remember(self, digest: str, messages: list[Message]) -> None:
        self._known[digest] = messages
        self._known.move_to_end(digest)
        while len(self._known) > self._kept:
            self._known.popitem(last=False)


async def recorded_conversation(
    client: Client, workflow_id: str, run_id: str, digest: str
) -> list[Message] | None:
    """The conversation named `digest`, rebuilt from the model requests of the agent run."""
    handle = client.get_workflow_handle(workflow_id, run_id=run_id)
    events = [event async for event in handle.fetch_history_events()]
    requests = []
    for record in activity_records(events):
        if record.kind == LLM_ACTIVITY and record.input is not None:
            [request] = await client.data_converter.decode(record.input.payloads, [LlmRequest])
            requests.append(request)
    return conversations(requests).get(digest)
