"""The Temporal error types relay gives provider failures. A module of their own, without the
provider SDKs, so the CLI can name them without importing openai and anthropic."""

# Non-retryable types: after one of these the workflow moves to the next model of the route.
BAD_REQUEST = "LlmBadRequest"
AUTH = "LlmAuthFailed"
NOT_FOUND = "LlmModelNotFound"
CONTEXT_LENGTH = "LlmContextLengthExceeded"
EMPTY_ANSWER = "LlmEmptyAnswer"
REFUSAL = "LlmRefusal"
MISSING_CREDENTIALS = "LlmMissingCredentials"
CIRCUIT_OPEN = "LlmCircuitOpen"
# Retryable types.
RATE_LIMITED = "LlmRateLimited"
UNAVAILABLE = "LlmUnavailable"
TIMEOUT = "LlmTimeout"
MALFORMED = "LlmMalformedResponse"
