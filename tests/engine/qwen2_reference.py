"""A plain-Python Qwen2 forward pass (one request, greedy), to check the tiny model's weights
without vLLM: the same equations as transformers' and vLLM's Qwen2 (RMSNorm, q/k/v with bias,
neox-style RoPE, causal softmax attention, SiLU-gated MLP), slow and obvious. Tests only."""

from __future__ import annotations

import json
import math
import struct
from array import array
from pathlib import Path


def load(model_dir: Path) -> tuple[dict, dict[str, tuple[list[int], array]]]:
    config = json.loads((model_dir / "config.json").read_text())
    raw = (model_dir / "model.safetensors").read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + size])
    header.pop("__metadata__", None)
    tensors = {}
    for name, info in header.items():
        start, end = info["data_offsets"]
        data = array("f")
        data.frombytes(raw[8 + size + start:8 + size + end])
        tensors[name] = (info["shape"], data)
    return config, tensors


def _matvec(t: tuple[list[int], array], x: list[float], bias=None) -> list[float]:
    (rows, cols), data = t
    out = []
    for r in range(rows):
        row = data[r * cols:(r + 1) * cols]
        out.append(sum(a * b for a, b in zip(row, x) if a) + (bias[1][r] if bias else 0.0))
    return out


def _rms(x: list[float], w: array, eps: float) -> list[float]:
    scale = 1.0 / math.sqrt(sum(v * v for v in x) / len(x) + eps)
    return [v * scale * g for v, g in zip(x, w)]


def _rope(x: list[float], pos: int, head_dim: int, theta: float) -> list[float]:
    half = head_dim // 2
    out = list(x)
    for i in range(half):
        angle = pos * theta ** (-2 * i / head_dim)
        c, s = math.cos(angle), math.sin(angle)
        out[i], out[i + half] = x[i] * c - x[i + half] * s, x[i + half] * c + x[i] * s
    return out


def generate(model_dir: Path, prompt: list[int], max_tokens: int, eos: int) -> list[int]:
    config, t = load(model_dir)
    hd, nh = config["head_dim"], config["num_attention_heads"]
    eps, theta = config["rms_norm_eps"], config["rope_theta"]
    p = "model.layers.0."
    keys: list[list[list[float]]] = []
    values: list[list[list[float]]] = []
    seq, out = list(prompt), []
    for pos in range(len(prompt) + max_tokens - 1):
        (_, h), emb = t["model.embed_tokens.weight"]
        x = list(emb[seq[pos] * h:(seq[pos] + 1) * h])
        a = _rms(x, t[p + "input_layernorm.weight"][1], eps)
        q, k, v = (_matvec(t[f"{p}self_attn.{n}_proj.weight"], a, t[f"{p}self_attn.{n}_proj.bias"])
                   for n in "qkv")
        heads_q = [_rope(q[i * hd:(i + 1) * hd], pos, hd, theta) for i in range(nh)]
        keys.append([_rope(k[i * hd:(i + 1) * hd], pos, hd, theta) for i in range(nh)])
        values.append([v[i * hd:(i + 1) * hd] for i in range(nh)])
        attn = []
        for i in range(nh):
            scores = [sum(a * b for a, b in zip(heads_q[i], keys[n][i])) / math.sqrt(hd)
                      for n in range(pos + 1)]
            top = max(scores)
            weights = [math.exp(s - top) for s in scores]
            total = sum(weights)
            attn += [sum(weights[n] * values[n][i][d] for n in range(pos + 1)) / total
                     for d in range(hd)]
        x = [xi + oi for xi, oi in zip(x, _matvec(t[p + "self_attn.o_proj.weight"], attn))]
        m = _rms(x, t[p + "post_attention_layernorm.weight"][1], eps)
        gate, up = _matvec(t[p + "mlp.gate_proj.weight"], m), _matvec(t[p + "mlp.up_proj.weight"], m)
        act = [g / (1 + math.exp(-g)) * u for g, u in zip(gate, up)]
        x = [xi + di for xi, di in zip(x, _matvec(t[p + "mlp.down_proj.weight"], act))]
        if pos < len(prompt) - 1:
            continue
        logits = _matvec(t["lm_head.weight"], _rms(x, t["model.norm.weight"][1], eps))
        token = max(range(len(logits)), key=logits.__getitem__)
        out.append(token)
        if token == eos:
            break
        seq.append(token)
    return out
