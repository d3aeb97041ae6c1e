"""A small fake chat model that answers with tool calls (LangChain's fakes cannot), scripted per tool."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import Field

Responder = Callable[[list[BaseMessage], str], dict[str, Any]]


class ToolCallingFake(BaseChatModel):
    """Answers every call with one tool call: `responder(messages, tool_name)` gives its arguments."""

    responder: Responder
    seen: list[list[BaseMessage]] = Field(default_factory=list)
    tools: list[dict[str, Any]] = Field(default_factory=list)  # the tool (schema) each call was given
    tokens_per_char: float = 0.25

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        tools = kwargs.get("tools") or []
        name = tools[0]["function"]["name"] if tools else "answer"
        self.seen.append(messages)
        self.tools.append(tools[0] if tools else {})
        args = self.responder(messages, name)
        message = AIMessage(
            content="", tool_calls=[{"name": name, "args": args, "id": f"call_{len(self.seen)}"}]
        )
        prompt = sum(len(str(m.content)) for m in messages)
        usage = {
            "prompt_tokens": int(prompt * self.tokens_per_char),
            "completion_tokens": len(str(args)) // 4,
        }
        return ChatResult(generations=[ChatGeneration(message=message)], llm_output={"token_usage": usage})

    def bind_tools(
        self, tools: Sequence[Any], *, tool_choice: Any = None, **kwargs: Any
    ) -> Runnable[Any, AIMessage]:
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], tool_choice=tool_choice, **kwargs)

    @property
    def _llm_type(self) -> str:
        return "tool-calling-fake"


def user_text(messages: list[BaseMessage]) -> str:
    return str(messages[-1].content)


def always(args: dict[str, Any]) -> Responder:
    return lambda _messages, _tool: args


class ScriptedScorer:
    """Stands in for a local model's scorer (assistant/scoring.py): the prompt as plain text, and scripted
    answers — `choices(prompt, options)` gives each option's log-probability, `quote(prompt)` the text."""

    def __init__(
        self,
        choices: Callable[[str, Sequence[str]], list[float]],
        quote: Callable[[str], str] = lambda _prompt: "",
    ) -> None:
        self.choices = choices
        self.quote = quote
        self.asked: list[tuple[str, tuple[str, ...]]] = []
        self.completed: list[str] = []

    def cold(self, keep: str) -> int:
        return 0

    def render(self, turns: Sequence[tuple[str, str]]) -> str:
        return "".join(f"<{role}>\n{content}\n" for role, content in turns) + "<assistant>\n"

    def choose(self, prompt: str, options: Sequence[str], *, keep: str = "") -> tuple[list[float], int, int]:
        assert prompt.startswith(keep), "the kept prefix is the start of the prompt"
        self.asked.append((prompt, tuple(options)))
        return self.choices(prompt, options), len(prompt) // 4, 10

    def complete(
        self, prompt: str, *, max_tokens: int, stop: Sequence[str], keep: str = ""
    ) -> tuple[str, int, int]:
        assert prompt.startswith(keep), "the kept prefix is the start of the prompt"
        self.completed.append(prompt)
        text = self.quote(prompt)
        return text, len(prompt) // 4, len(text) // 4 + 1


def favour(*wanted: str) -> Callable[[str, Sequence[str]], list[float]]:
    """Every option named in `wanted` gets log-probability -0.1, the others -5."""
    return lambda _prompt, options: [-0.1 if o.strip() in wanted else -5.0 for o in options]
