"""A tiny Qwen2 checkpoint that makes the real vLLM engine emit a scripted text, greedy or not.

Built at test time from a `Script` (text + what follows it) with the tests' own tokenizer (the
replay worker's built-in byte-level BPE, `replay/modeldir.py`): no download, ~1 MB, < 1 s.

Why not a bigram chain: the texts tests need repeat tokens with different successors (the two
`\\n` of a hermes call, `" ` before each JSON value), and the tokenizer has one token for `\\n`.
So the model looks at the current token and the K tokens before it (K is the smallest context
under which every step of the script is unique). One layer does it:

    residual = CUR[class] | PREV_1[class] | ... | PREV_K[class] | CONST | OUT[next class]

- Each distinct script token is a class; every other token is class OTHER. The embedding writes
  CUR[class] = 1 and CONST = 1.
- Attention head j looks exactly j tokens back: its q and k are constant biases whose RoPE rotation
  peaks at distance j (hard: the margin to every other distance up to `max_position_embeddings`
  is checked here). Its value copies CUR of that token; o_proj writes it into PREV_j.
- The MLP has one unit per script step, an AND of SiLU gates over that step's context
  (gate = G * (#conditions met - #conditions + 1/2)), writing into OUT[next]. A unit with more
  conditions writes more, so the most specific context wins.
- lm_head reads OUT. When no unit fires (right after any prompt), a small weight on CONST picks
  the script's first token. After the last token: EOS, or the first token again (`cyclic`).

The network is simulated here on class level before it is written; a script it cannot emit is an
error at build time, not a flaky test.
"""

from __future__ import annotations

import json
import math
import shutil
import struct
from array import array
from dataclasses import dataclass
from pathlib import Path

HEAD_DIMS = (32, 64, 128, 256)  # head sizes vLLM's CPU attention supports (a subset)
MAX_CONTEXT = 6
MAX_POSITIONS = 4096
ATTENTION_MARGIN = 40.0  # nats between the attended token and any other, at any distance
GATE = 40.0  # silu(20) = 20, silu(-20) = -4e-8: units are on or off
LM_SCALE = 10.0
START_WEIGHT = 10.0


@dataclass(frozen=True)
class Script:
    """What the model says after any prompt: `text`, then EOS (or `text` again, if cyclic)."""

    text: str
    cyclic: bool = False


@dataclass
class Layout:
    classes: list[int]  # token id per class; class len(classes) is OTHER
    context: int  # K
    hidden: int
    heads: int
    head_dim: int

    @property
    def n(self) -> int:
        return len(self.classes) + 1  # with OTHER

    def cur(self, cls: int) -> int:
        return cls

    def prev(self, j: int, cls: int) -> int:
        return j * self.n + cls

    @property
    def const(self) -> int:
        return (self.context + 1) * self.n

    def out(self, k: int) -> int:  # k: class of the next token, or len(classes) for EOS
        return self.const + 1 + k

    @property
    def used(self) -> int:
        return self.out(len(self.classes)) + 1


@dataclass
class Unit:
    conditions: tuple[tuple[int, int], ...]  # (offset j, class); j = 0 is the current token
    next_class: int  # len(classes) means EOS

    @property
    def weight(self) -> float:
        return 4.0 ** len(self.conditions)


def script_ids(tokenizer, script: Script) -> list[int]:
    return tokenizer.encode(script.text, add_special_tokens=False).ids


def _units(ids: list[int], cls: dict[int, int], k: int, cyclic: bool) -> list[Unit]:
    eos = len(cls)
    units = []
    n = len(ids)
    for i in range(n):
        nxt = cls[ids[i + 1]] if i + 1 < n else (cls[ids[0]] if cyclic else eos)
        reach = min(k, i)
        units.append(Unit(tuple((j, cls[ids[i - j]]) for j in range(reach + 1)), nxt))
        if cyclic and reach < k:  # later laps also see the end of the previous lap
            units.append(Unit(tuple((j, cls[ids[(i - j) % n]]) for j in range(k + 1)), nxt))
    return units


def _simulate(ids: list[int], prompt_tail: list[int], cls: dict[int, int], units: list[Unit],
              steps: int) -> list[int | None]:
    """What the network emits, on class level: returns token ids (None = EOS)."""
    other = len(cls)
    seq = [cls.get(t, other) for t in prompt_tail]
    emitted: list[int | None] = []
    for _ in range(steps):
        out: dict[int, float] = {}
        for unit in units:
            if all(len(seq) > j and seq[-1 - j] == c for j, c in unit.conditions):
                out[unit.next_class] = out.get(unit.next_class, 0.0) + unit.weight
        ranked = sorted(out.items(), key=lambda kv: -kv[1])
        if not ranked:
            nxt = cls[ids[0]]  # the start weight on CONST
        elif len(ranked) > 1 and ranked[1][1] * 2 > ranked[0][1]:
            return emitted + [-1]  # two contexts compete: ambiguous at this K
        else:
            nxt = ranked[0][0]
        if nxt == len(cls):
            emitted.append(None)
            return emitted
        token = next(t for t, c in cls.items() if c == nxt)
        emitted.append(token)
        seq.append(nxt)
    return emitted


def plan(tokenizer, script: Script, prompt_tail: list[int]) -> tuple[Layout, list[Unit]]:
    ids = script_ids(tokenizer, script)
    if not ids:
        raise ValueError("the script is empty")
    order = list(dict.fromkeys(ids))
    cls = {t: i for i, t in enumerate(order)}
    steps = 3 * len(ids) if script.cyclic else len(ids) + 1
    want = (ids * 3)[:steps] if script.cyclic else ids + [None]
    for k in range(MAX_CONTEXT + 1):
        units = _units(ids, cls, k, script.cyclic)
        tails = [prompt_tail, [-1] * (k + 1)]  # the real prompt end, and an unknown one
        if all(_simulate(ids, tail, cls, units, steps) == want for tail in tails):
            return _layout(order, k), units
    raise ValueError(f"no context up to {MAX_CONTEXT} tokens makes {script.text!r} unique")


def _layout(order: list[int], k: int) -> Layout:
    n = len(order) + 1
    head_dim = next((d for d in HEAD_DIMS if d >= n), None)
    if head_dim is None:
        raise ValueError(f"{len(order)} distinct tokens: more than one head can copy")
    used = (k + 1) * n + 1 + n
    heads = max(k, 2, math.ceil(used / head_dim))
    return Layout(order, k, heads * head_dim, heads, head_dim)


def rope_margin(head_dim: int, theta: float, offset: int, positions: int = MAX_POSITIONS) -> float:
    """min over distances d != offset of sum_i (1 - cos((d - offset) * w_i)): how far the score at
    `offset` stands above every other when q and k are unit constants rotated by RoPE."""
    freqs = [theta ** (-2 * i / head_dim) for i in range(head_dim // 2)]
    best = math.inf
    for d in range(positions):
        if d != offset:
            best = min(best, sum(1 - math.cos((d - offset) * w) for w in freqs))
    return best


class _Tensor:
    def __init__(self, *shape: int) -> None:
        self.shape = shape
        self.data = array("f", bytes(4 * math.prod(shape)))

    def __setitem__(self, rc: tuple[int, int] | int, value: float) -> None:
        if isinstance(rc, tuple):
            self.data[rc[0] * self.shape[1] + rc[1]] = value
        else:
            self.data[rc] = value


def _weights(layout: Layout, units: list[Unit], vocab: int, start_id: int, eos_id: int,
             theta: float, margin: float) -> dict[str, _Tensor]:
    h, hd, nh = layout.hidden, layout.head_dim, layout.heads
    k, n, eos_class = layout.context, layout.n, len(layout.classes)
    cls = {t: i for i, t in enumerate(layout.classes)}
    w: dict[str, _Tensor] = {}
    embed = w["model.embed_tokens.weight"] = _Tensor(vocab, h)
    for t in range(vocab):
        embed[t, layout.cur(cls.get(t, n - 1))] = 1.0
        embed[t, layout.const] = 1.0
    p = "model.layers.0."
    for name in ("input_layernorm", "post_attention_layernorm"):
        norm = w[f"{p}{name}.weight"] = _Tensor(h)
        for i in range(h):
            norm[i] = 1.0
    final = w["model.norm.weight"] = _Tensor(h)
    for i in range(h):
        final[i] = 1.0
    # q and k are biases only (their weights stay zero): the same for every token.
    for x in "qk":
        w[f"{p}self_attn.{x}_proj.weight"] = _Tensor(nh * hd, h)
    v_w = w[f"{p}self_attn.v_proj.weight"] = _Tensor(nh * hd, h)
    q_b, k_b, v_b = (w.setdefault(f"{p}self_attn.{x}_proj.bias", _Tensor(nh * hd)) for x in "qkv")
    o_w = w[f"{p}self_attn.o_proj.weight"] = _Tensor(h, nh * hd)
    scale_in = math.sqrt(h / 2)  # a token's entries after the first RMSNorm (CUR and CONST)
    half = hd // 2
    for j in range(1, k + 1):
        head = j - 1
        # q . k at distance d = amp^2 * sum_i cos((d - j) w_i) / sqrt(hd): a peak at d = j.
        amp = math.sqrt(ATTENTION_MARGIN * math.sqrt(hd) / margin)
        for i in range(half):
            wi = theta ** (-2 * i / hd)
            q_b[head * hd + i] = amp * math.cos(j * wi)
            q_b[head * hd + half + i] = -amp * math.sin(j * wi)
            k_b[head * hd + i] = amp
        for c in range(n):
            v_w[head * hd + c, layout.cur(c)] = 1.0
            o_w[layout.prev(j, c), head * hd + c] = 1.0 / scale_in
    r = math.sqrt(h / (k + 2))  # entries after the second RMSNorm: CUR, PREV_1..K, CONST
    inter = max(32, math.ceil(len(units) / 32) * 32)
    gate = w[f"{p}mlp.gate_proj.weight"] = _Tensor(inter, h)
    up = w[f"{p}mlp.up_proj.weight"] = _Tensor(inter, h)
    down = w[f"{p}mlp.down_proj.weight"] = _Tensor(h, inter)
    for u, unit in enumerate(units):
        for j, c in unit.conditions:
            gate[u, layout.cur(c) if j == 0 else layout.prev(j, c)] = GATE / r
        gate[u, layout.const] = -GATE * (len(unit.conditions) - 0.5) / r
        up[u, layout.const] = 1.0 / r
        down[layout.out(unit.next_class), u] = unit.weight
    head_w = w["lm_head.weight"] = _Tensor(vocab, h)
    for c, t in enumerate(layout.classes):
        head_w[t, layout.out(c)] = LM_SCALE
    head_w[eos_id, layout.out(eos_class)] = LM_SCALE
    head_w[start_id, layout.const] = START_WEIGHT
    return w


def _write_safetensors(path: Path, tensors: dict[str, _Tensor]) -> None:
    header, offset = {}, 0
    for name, t in tensors.items():
        size = 4 * len(t.data)
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + size]}
        offset += size
    header["__metadata__"] = {"format": "pt"}
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw)
        for t in tensors.values():
            f.write(t.data.tobytes())  # little-endian on x86 and arm


def best_theta(head_dim: int, context: int) -> tuple[float, float]:
    """The RoPE base (of a few) whose worst attention margin over every head is largest."""
    scored = []
    for theta in (50.0, 100.0, 500.0, 1000.0, 10000.0):
        scored.append((min(rope_margin(head_dim, theta, j) for j in range(1, context + 1))
                       if context else 1.0, theta))
    margin, theta = max(scored)
    return theta, margin


def build(script: Script, dest: Path, tokenizer_dir: Path | None = None) -> Path:
    """Write a servable model directory for `script` into dest; returns dest."""
    from tokenizers import Tokenizer

    from dynamo_toolcall_probe.replay.modeldir import EOS_TOKEN, builtin_model_dir

    src = Path(tokenizer_dir or builtin_model_dir())
    tok = Tokenizer.from_file(str(src / "tokenizer.json"))
    eos_id = tok.token_to_id(EOS_TOKEN)
    # Our chat template ends every prompt with the assistant header.
    tail = tok.encode("<|im_start|>assistant\n", add_special_tokens=False).ids
    layout, units = plan(tok, script, tail)
    theta, margin = best_theta(layout.head_dim, layout.context)
    if margin < 0.05:
        raise ValueError(f"RoPE cannot single out a distance (margin {margin:.3f})")
    vocab = tok.get_vocab_size()
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(src / name, dest / name)
    weights = _weights(layout, units, vocab, layout.classes[0], eos_id, theta, margin)
    _write_safetensors(dest / "model.safetensors", weights)
    config = {
        "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "torch_dtype": "float32",
        "vocab_size": vocab, "hidden_size": layout.hidden, "intermediate_size":
        weights["model.layers.0.mlp.gate_proj.weight"].shape[0], "num_hidden_layers": 1,
        "num_attention_heads": layout.heads, "num_key_value_heads": layout.heads,
        "head_dim": layout.head_dim, "hidden_act": "silu", "rms_norm_eps": 1e-6,
        "max_position_embeddings": MAX_POSITIONS, "rope_theta": theta,
        "rope_parameters": {"rope_type": "default", "rope_theta": theta},
        "tie_word_embeddings": False, "use_sliding_window": False, "attention_dropout": 0.0,
        "bos_token_id": None, "eos_token_id": eos_id,
        "tiny_model_script": {"text": script.text, "cyclic": script.cyclic,
                              "context": layout.context},
    }
    (dest / "config.json").write_text(json.dumps(config, indent=1))
    (dest / "generation_config.json").write_text(json.dumps({"eos_token_id": eos_id}))
    return dest
