"""Model directories the replay worker can serve: no weights, only tokenizer and config files.

`builtin_model_dir()` builds a tiny byte-level BPE tokenizer (trained in well under a second, no
download) whose added tokens are the markers of every tool-call and reasoning format we know, so
markers stay single tokens as they are in real models' vocabularies. Format markers are added as
NON-special tokens: the frontend's detokenizer would strip special ones, and real models (Qwen's
`<tool_call>` for one) keep them non-special too. Only the EOS tokens are special.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from ..errors import BadInput

SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
EOS_TOKEN = "<|im_end|>"

#: Markers of formats whose specs do not list every token (harmony's envelope, kimi sections...).
EXTRA_MARKERS = (
    "<tool_call>", "</tool_call>", "[TOOL_CALLS]", "[ARGS]", "<|python_tag|>", "<think>", "</think>",
    "<|tool_calls_section_begin|>", "<|tool_calls_section_end|>", "<|tool_call_begin|>",
    "<|tool_call_argument_begin|>", "<|tool_call_end|>",
    "<｜tool▁calls▁begin｜>", "<｜tool▁calls▁end｜>", "<｜tool▁call▁begin｜>", "<｜tool▁call▁end｜>",
    "<｜tool▁sep｜>", "<|start|>", "<|channel|>", "<|message|>", "<|call|>", "<|end|>",
    "<|constrain|>", "<|return|>", "<|tool_call>", "<tool_call|>", "<TOOLCALL>", "</TOOLCALL>",
    "<minimax:tool_call>", "</minimax:tool_call>", "<tool_calls>", "</tool_calls>",
)

# Text the BPE merges are learnt from: English, JSON, and multi-byte characters, so that some
# tokens hold part of a UTF-8 character (the case the logprobs recipe gets wrong).
CORPUS = [
    '{"name": "get_weather", "arguments": {"location": "New York, NY", "unit": "fahrenheit"}}',
    "What is the weather in NYC? Let me check the weather for you. The answer is sunny.",
    '{"timezone": "Europe/Zurich", "query": "hotels", "max_results": 5, "city": "Paris"}',
    "get_time search location unit celsius parameters function call tool result",
    "Zürich München Köln 日本語 東京 🙂 café naïve — “quotes”",
]

CHAT_TEMPLATE = (
    "{% if tools %}<|im_start|>system\n# Tools\n<tools>\n{% for t in tools %}{{ t | tojson }}\n"
    "{% endfor %}</tools><|im_end|>\n{% endif %}"
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n"
    "{% if m['content'] is string %}{{ m['content'] }}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def _markers() -> list[str]:
    from ..formats import registry
    from ..formats.reasoning import REASONING_MARKERS

    found: list[str] = list(EXTRA_MARKERS)
    for spec in registry.all_specs():
        found += [m for m in (*spec.start_markers, spec.end_marker) if m]
    for pair in REASONING_MARKERS:
        found += [pair.start, pair.end]
    seen: set[str] = set()
    return [m for m in found if m.strip() and m not in SPECIAL_TOKENS and not (m in seen or seen.add(m))]


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "dynamo-toolcall-probe" / "models"


def builtin_model_dir(root: Path | None = None) -> Path:
    """The built-in model directory, built once per recipe and cached."""
    markers = _markers()
    recipe = json.dumps([CORPUS, markers, CHAT_TEMPLATE, SPECIAL_TOKENS, 1]).encode()
    key = hashlib.sha256(recipe).hexdigest()[:16]
    target = Path(root or _cache_root()) / f"builtin-{key}"
    if (target / "tokenizer.json").exists():
        return target
    tmp = target.with_name(target.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    _build(tmp, markers)
    try:
        tmp.rename(target)
    except OSError:  # another process won the race; its copy is identical
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _build(path: Path, markers: list[str]) -> None:
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=700, special_tokens=list(SPECIAL_TOKENS),
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator(CORPUS * 20, trainer)
    tok.add_tokens([AddedToken(m, special=False, normalized=False) for m in markers])
    tok.save(str(path / "tokenizer.json"))
    _write_configs(path, tok.token_to_id(EOS_TOKEN), tok.get_vocab_size())


def _write_configs(path: Path, eos_id: int | None, vocab_size: int) -> None:
    def dump(name: str, obj: dict) -> None:
        if not (path / name).exists():
            (path / name).write_text(json.dumps(obj, indent=1, ensure_ascii=False))

    dump("tokenizer_config.json", {"chat_template": CHAT_TEMPLATE, "eos_token": EOS_TOKEN,
                                   "bos_token": None, "pad_token": "<|endoftext|>",
                                   "model_max_length": 32768,
                                   "tokenizer_class": "PreTrainedTokenizerFast"})
    dump("config.json", {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2",
                         "vocab_size": vocab_size, "max_position_embeddings": 32768,
                         "eos_token_id": eos_id, "hidden_size": 64, "num_attention_heads": 2,
                         "num_hidden_layers": 1, "num_key_value_heads": 2})
    dump("generation_config.json", {"eos_token_id": eos_id})


def model_dir_from_files(path: str | Path, work_dir: Path) -> Path:
    """A servable model directory from a bundle's tokenizer copy or a lone tokenizer.json."""
    src = Path(path)
    if src.is_file() and src.name.endswith(".json"):
        target = work_dir / "model"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, target / "tokenizer.json")
    elif src.is_dir() and (src / "tokenizer.json").exists():
        if all((src / n).exists() for n in ("tokenizer_config.json", "config.json")):
            return src
        target = work_dir / "model"
        shutil.copytree(src, target, dirs_exist_ok=True)
    else:
        raise BadInput(f"no tokenizer.json at {src}")
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(target / "tokenizer.json"))
    _write_configs(target, tok.token_to_id(EOS_TOKEN), tok.get_vocab_size())
    return target
