"""Parameter, FLOP and KV-cache accounting for MoE and dense models, and the architecture claims.

Everything starts from a model's configuration file (a Hugging Face ``config.json``, or
DeepSeek's own inference schema). :func:`count_params` turns it into total and
active-per-token parameter counts with a breakdown by component; the other functions
reuse the same normalised description (:class:`ModelSpec`) for compute per token
(:func:`forward_flops_per_token`) and KV-cache size (:func:`kv_cache_elements_per_token`).
What serving costs (weight memory, KV cache per node, the decode roofline) is in
:mod:`deepseek_shock.serving`, which builds on these counts. The ``verify_*`` functions at
the end return :class:`~deepseek_shock.evidence.Measurement` objects for the claim ledger
(``seeds/claims.yaml`` names them as ``moe:verify_*``), including the API price ratio that
the article sets beside the architecture.

Conventions
-----------
* **Total** parameters are the main model: embedding table, every decoder layer, final norm
  and output head (counted once when tied to the embedding). DeepSeek-V3's multi-token
  prediction (MTP) module is reported separately (``mtp_params``): DeepSeek's 671B excludes
  it, the 685B checkpoint size includes it.
* **Active** parameters come in two conventions, and every output names the one it shows.
  ``active_params`` (*including the embedding table*) counts every module a token passes
  through: the embedding table, attention, norms, dense MLPs, the *k* routed experts it is
  sent to, shared experts, the router and the output head; Mistral's 12.9B and Qwen's 2.7B
  are on this basis. ``active_params_excluding_embedding`` leaves out the input-embedding
  table (a token reads one row of it and multiplies nothing); this is DeepSeek's convention
  ("36.6B (including 0.9B for the output Head)", bundled ``data/moe/deepseek_v3_weights.csv``)
  and the ``N`` of the ``2N`` FLOPs per token. The *active share* is either count over the
  total (:attr:`ParamCount.active_share_excluding_embedding`,
  :attr:`ParamCount.active_share_including_embedding`).
  :func:`compare_with_published` compares each published figure on its publisher's basis.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConfigError, DataError, ParameterError
from .evidence import Measurement
from .reference import data_dir, list_model_configs, load_model_config, load_reference

# ---------------------------------------------------------------------------------------------
# Supported architectures
# ---------------------------------------------------------------------------------------------

#: family name -> what it covers (the name is the config's ``model_type``, except for DeepSeek's
#: inference schema, which has no ``model_type``).
SUPPORTED_FAMILIES: dict[str, str] = {
    "deepseek_v3": "DeepSeek-V3 / R1 (Hugging Face DeepseekV3ForCausalLM)",
    "deepseek_v2": "DeepSeek-V2 / V2-Lite (Hugging Face DeepseekV2ForCausalLM)",
    "deepseek-inference": "DeepSeek inference-code schema (inference/configs/config_*.json: dim, n_layers, ...)",
    "mixtral": "Mixtral (MixtralForCausalLM)",
    "qwen2_moe": "Qwen1.5-MoE / Qwen2-MoE (Qwen2MoeForCausalLM)",
    "olmoe": "OLMoE (OlmoeForCausalLM)",
    "llama": "Llama dense models (LlamaForCausalLM)",
}

_ARCHITECTURE_TO_FAMILY = {
    "DeepseekV3ForCausalLM": "deepseek_v3",
    "DeepseekV2ForCausalLM": "deepseek_v2",
    "MixtralForCausalLM": "mixtral",
    "Qwen2MoeForCausalLM": "qwen2_moe",
    "OlmoeForCausalLM": "olmoe",
    "LlamaForCausalLM": "llama",
}

#: Keys that identify DeepSeek's inference schema, all required (its ModelArgs defaults are the
#: sizes of DeepSeek-V2-Lite, so a missing key would silently describe a different model).
_INFERENCE_SCHEMA_KEYS = (
    "vocab_size",
    "dim",
    "inter_dim",
    "moe_inter_dim",
    "n_layers",
    "n_dense_layers",
    "n_heads",
    "n_routed_experts",
    "n_shared_experts",
    "n_activated_experts",
    "q_lora_rank",
    "kv_lora_rank",
    "qk_nope_head_dim",
    "qk_rope_head_dim",
    "v_head_dim",
)

BREAKDOWN_KEYS = (
    "embeddings",
    "attention",
    "layer_norms",
    "dense_mlp",
    "routed_experts",
    "shared_experts",
    "router",
    "final_norm",
    "lm_head",
)


# ---------------------------------------------------------------------------------------------
# Loading a config file
# ---------------------------------------------------------------------------------------------


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a model configuration JSON file (or a bundled config by name).

    Parameters
    ----------
    path : a ``config.json`` file, a folder containing ``config.json``, or the name (file stem)
        of a bundled config such as ``"DeepSeek-V3"`` when no file of that name exists.

    Returns
    -------
    The parsed JSON object as a dict, unchanged.

    Raises
    ------
    ConfigError
        The file is missing, unreadable, not UTF-8, not valid JSON, or not a JSON object; the
        message names the file and how to fix it.
    """
    file = _resolve_config_path(path)
    if file is None:
        return load_model_config(str(path))
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{file} is not UTF-8 text, so it is not a config.json. Pass the model's config.json "
            "(the small JSON file next to the weights), not a weights or archive file."
        ) from exc
    except OSError as exc:
        raise ConfigError(
            f"{file} cannot be read ({exc.strerror}). Check that the file is readable."
        ) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{file} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}). "
            "Fix the file, or download config.json again from the model's Hugging Face page."
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError(
            f"{file} holds a JSON {type(data).__name__}, not an object of configuration keys. "
            "Pass the model's config.json."
        )
    return data


def _resolve_config_path(path: str | Path) -> Path | None:
    """The file to read, or ``None`` when ``path`` names a bundled config."""
    file = Path(path)
    if file.is_dir():
        inner = file / "config.json"
        if not inner.exists():
            raise ConfigError(
                f"Folder {file} has no config.json. Pass the path of the file itself."
            )
        return inner
    if file.exists():
        return file
    if str(path) in list_model_configs():
        return None
    raise ConfigError(
        f"Config file {file} does not exist. Pass the path of a Hugging Face config.json, or the "
        f"name of a bundled config: {', '.join(list_model_configs())}."
    )


def model_name_for_path(path: str | Path) -> str:
    """A display name for a config file: its stem, or its folder's name for ``config.json``."""
    file = Path(path)
    if file.is_dir() or file.name == "config.json":
        folder = file if file.is_dir() else file.parent
        return folder.resolve().name or "config"
    return file.stem if file.suffix == ".json" else file.name


# ---------------------------------------------------------------------------------------------
# Normalised architecture description
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttentionSpec:
    """The attention block of one decoder layer.

    ``kind`` is ``"mla"`` (DeepSeek Multi-head Latent Attention) or ``"gqa"`` (grouped-query
    attention; multi-head attention is the case ``n_kv_heads == n_heads``). For MLA,
    ``head_dim`` is the query/key head size (nope + rope part) and ``v_head_dim`` the value
    head size; ``q_lora_rank == 0`` means queries are not compressed.
    """

    kind: str
    n_heads: int
    n_kv_heads: int
    head_dim: int
    v_head_dim: int
    q_lora_rank: int = 0
    kv_lora_rank: int = 0
    rope_head_dim: int = 0
    qkv_bias: bool = False
    o_bias: bool = False
    qk_norm: bool = False


@dataclass(frozen=True)
class FFNSpec:
    """The feed-forward blocks: dense SwiGLU MLPs and, in MoE layers, experts and a router.

    ``moe_layers`` lists the indices (main layers first, then MTP layers) whose feed-forward
    block is a mixture of experts; all other layers use a dense MLP of ``intermediate_size``.
    ``shared_intermediate_size`` is the total width of the always-active shared expert(s).
    """

    intermediate_size: int
    moe_layers: tuple[int, ...] = ()
    n_routed_experts: int = 0
    experts_per_token: int = 0
    moe_intermediate_size: int = 0
    shared_intermediate_size: int = 0
    shared_expert_gate: bool = False
    router_bias: bool = False
    mlp_bias: bool = False


@dataclass(frozen=True)
class ModelSpec:
    """A model architecture reduced to what parameter, FLOP and KV-cache accounting needs."""

    family: str
    vocab_size: int
    hidden_size: int
    n_layers: int
    attention: AttentionSpec
    ffn: FFNSpec
    tie_word_embeddings: bool = False
    mtp_layers: int = 0

    @property
    def n_moe_layers(self) -> int:
        """MoE layers among the main decoder layers (MTP layers excluded)."""
        return sum(1 for i in self.ffn.moe_layers if i < self.n_layers)

    @property
    def n_dense_layers(self) -> int:
        """Main decoder layers with a dense MLP."""
        return self.n_layers - self.n_moe_layers


_REQUIRED = object()


def _size(config: Mapping[str, Any], key: str, family: str, default: Any = _REQUIRED) -> int:
    """A non-negative integer size from the config, or ``default`` when the key is absent/null."""
    value = config.get(key)
    if value is None:
        if default is _REQUIRED:
            raise ConfigError(
                f"The {family} config has no {key!r}. Add it (see the model's config.json on "
                "Hugging Face); the parameter count is not guessed without it."
            )
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(
            f"The {family} config has {key}={value!r}; it must be a non-negative integer. "
            "Fix the value in the config file."
        )
    return value


def _flag(config: Mapping[str, Any], key: str, family: str, default: bool) -> bool:
    value = config.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ConfigError(
            f"The {family} config has {key}={value!r}; it must be true or false. Fix the value."
        )
    return value


def _head_dim(config: Mapping[str, Any], family: str, hidden: int, n_heads: int) -> int:
    """``head_dim`` if given, else ``hidden_size / num_attention_heads`` (the transformers rule)."""
    explicit = _size(config, "head_dim", family, default=0)
    if explicit:
        return explicit
    if n_heads == 0 or hidden % n_heads:
        raise ConfigError(
            f"The {family} config's hidden_size {hidden} is not a multiple of num_attention_heads "
            f"{n_heads}, and it has no head_dim. Add head_dim to the config."
        )
    return hidden // n_heads


def detect_family(config: Mapping[str, Any]) -> str:
    """Which supported family a config belongs to (``model_type`` first, then ``architectures``).

    Raises
    ------
    ConfigError
        The architecture is not supported; the message lists the supported families.
    """
    supported = "; ".join(f"{k} = {v}" for k, v in SUPPORTED_FAMILIES.items())
    model_type = config.get("model_type")
    if model_type is not None:
        if model_type in SUPPORTED_FAMILIES:
            return str(model_type)
        raise ConfigError(
            f"Unsupported architecture: model_type {model_type!r}. Supported families: {supported}."
        )
    architectures = config.get("architectures") or []
    if isinstance(architectures, list):
        for name in architectures:
            if name in _ARCHITECTURE_TO_FAMILY:
                return _ARCHITECTURE_TO_FAMILY[name]
    if "dim" in config and "n_layers" in config:
        return "deepseek-inference"
    described = f"architectures {architectures!r}" if architectures else "no model_type"
    raise ConfigError(
        f"Unsupported or unrecognised architecture ({described}). Supported families: {supported}."
    )


def parse_config(config: Mapping[str, Any]) -> ModelSpec:
    """Normalise a config of any supported family into a :class:`ModelSpec`.

    Optional keys take the defaults of the corresponding ``transformers`` configuration class
    (``num_key_value_heads`` = ``num_attention_heads``, ``head_dim`` = hidden / heads, biases off,
    ``tie_word_embeddings`` false, ``moe_layer_freq`` / ``decoder_sparse_step`` 1); every size
    key without such a default is required.
    """
    family = detect_family(config)
    return _PARSERS[family](config, family)


def _model_spec(
    config: Mapping[str, Any],
    family: str,
    hidden: int,
    n_layers: int,
    attention: AttentionSpec,
    ffn: FFNSpec,
    mtp_layers: int = 0,
) -> ModelSpec:
    """The :class:`ModelSpec` around parsed attention and FFN blocks.

    ``vocab_size`` and ``tie_word_embeddings`` have the same names in every supported schema
    (DeepSeek's inference schema has no tying key: it never ties, and the default is false).
    """
    return ModelSpec(
        family=family,
        vocab_size=_size(config, "vocab_size", family),
        hidden_size=hidden,
        n_layers=n_layers,
        attention=attention,
        ffn=ffn,
        tie_word_embeddings=_flag(config, "tie_word_embeddings", family, False),
        mtp_layers=mtp_layers,
    )


def _gqa_attention(
    config: Mapping[str, Any],
    family: str,
    hidden: int,
    *,
    qkv_bias: bool,
    o_bias: bool,
    qk_norm: bool,
) -> AttentionSpec:
    n_heads = _size(config, "num_attention_heads", family)
    head_dim = _head_dim(config, family, hidden, n_heads)
    return AttentionSpec(
        kind="gqa",
        n_heads=n_heads,
        n_kv_heads=_size(config, "num_key_value_heads", family, default=n_heads),
        head_dim=head_dim,
        v_head_dim=head_dim,
        qkv_bias=qkv_bias,
        o_bias=o_bias,
        qk_norm=qk_norm,
    )


def _mla_attention(
    config: Mapping[str, Any], family: str, n_heads: int, bias: bool = False
) -> AttentionSpec:
    """Multi-head Latent Attention; both DeepSeek schemas name its sizes alike.

    ``q_lora_rank`` absent or null means uncompressed queries (DeepSeek-V2-Lite).
    """
    rope = _size(config, "qk_rope_head_dim", family)
    return AttentionSpec(
        kind="mla",
        n_heads=n_heads,
        n_kv_heads=n_heads,
        head_dim=_size(config, "qk_nope_head_dim", family) + rope,
        v_head_dim=_size(config, "v_head_dim", family),
        q_lora_rank=_size(config, "q_lora_rank", family, default=0),
        kv_lora_rank=_size(config, "kv_lora_rank", family),
        rope_head_dim=rope,
        qkv_bias=bias,
        o_bias=bias,
    )


def _routing(
    config: Mapping[str, Any],
    family: str,
    experts_key: str,
    per_token_key: str = "num_experts_per_tok",
) -> tuple[int, int]:
    """(routed experts, experts per token) from the config; needs ``1 <= k <= E``."""
    n_experts = _size(config, experts_key, family)
    k = _size(config, per_token_key, family)
    if not 1 <= k <= n_experts:
        raise ConfigError(
            f"The {family} config routes each token to {k} of {n_experts} experts; it needs "
            f"1 <= {per_token_key} <= {experts_key}. Fix the config."
        )
    return n_experts, k


def _every_layer_moe(n_layers: int, n_experts: int, k: int, expert_width: int) -> FFNSpec:
    """Every layer a mixture of experts of one width and no shared expert (Mixtral, OLMoE)."""
    return FFNSpec(
        intermediate_size=expert_width,
        moe_layers=tuple(range(n_layers)),
        n_routed_experts=n_experts,
        experts_per_token=k,
        moe_intermediate_size=expert_width,
    )


def _parse_llama(config: Mapping[str, Any], family: str) -> ModelSpec:
    hidden = _size(config, "hidden_size", family)
    bias = _flag(config, "attention_bias", family, False)
    ffn = FFNSpec(
        intermediate_size=_size(config, "intermediate_size", family),
        mlp_bias=_flag(config, "mlp_bias", family, False),
    )
    attention = _gqa_attention(config, family, hidden, qkv_bias=bias, o_bias=bias, qk_norm=False)
    return _model_spec(
        config, family, hidden, _size(config, "num_hidden_layers", family), attention, ffn
    )


def _parse_mixtral(config: Mapping[str, Any], family: str) -> ModelSpec:
    hidden = _size(config, "hidden_size", family)
    n_layers = _size(config, "num_hidden_layers", family)
    n_experts, k = _routing(config, family, "num_local_experts")
    # In Mixtral ``intermediate_size`` is the width of each expert.
    ffn = _every_layer_moe(n_layers, n_experts, k, _size(config, "intermediate_size", family))
    attention = _gqa_attention(config, family, hidden, qkv_bias=False, o_bias=False, qk_norm=False)
    return _model_spec(config, family, hidden, n_layers, attention, ffn)


def _parse_olmoe(config: Mapping[str, Any], family: str) -> ModelSpec:
    hidden = _size(config, "hidden_size", family)
    n_layers = _size(config, "num_hidden_layers", family)
    n_experts, k = _routing(config, family, "num_experts")
    # In OLMoE ``intermediate_size`` is the width of each expert; every layer is MoE.
    ffn = _every_layer_moe(n_layers, n_experts, k, _size(config, "intermediate_size", family))
    bias = _flag(config, "attention_bias", family, False)
    attention = _gqa_attention(config, family, hidden, qkv_bias=bias, o_bias=bias, qk_norm=True)
    return _model_spec(config, family, hidden, n_layers, attention, ffn)


def _parse_qwen2_moe(config: Mapping[str, Any], family: str) -> ModelSpec:
    hidden = _size(config, "hidden_size", family)
    n_layers = _size(config, "num_hidden_layers", family)
    n_experts, k = _routing(config, family, "num_experts")
    # ``expert_interval`` is the key's name in early Qwen1.5-MoE configs (later: decoder_sparse_step).
    step = _size(config, "decoder_sparse_step", family, default=0) or _size(
        config, "expert_interval", family, default=1
    )
    mlp_only = set(config.get("mlp_only_layers") or [])
    shared = _size(config, "shared_expert_intermediate_size", family)
    ffn = FFNSpec(
        intermediate_size=_size(config, "intermediate_size", family),
        moe_layers=tuple(i for i in range(n_layers) if i not in mlp_only and (i + 1) % step == 0),
        n_routed_experts=n_experts,
        experts_per_token=k,
        moe_intermediate_size=_size(config, "moe_intermediate_size", family),
        shared_intermediate_size=shared,
        shared_expert_gate=shared > 0,
    )
    # Qwen2 attention: bias on the q, k, v projections, none on the output projection.
    attention = _gqa_attention(config, family, hidden, qkv_bias=True, o_bias=False, qk_norm=False)
    return _model_spec(config, family, hidden, n_layers, attention, ffn)


def _parse_deepseek_hf(config: Mapping[str, Any], family: str) -> ModelSpec:
    hidden = _size(config, "hidden_size", family)
    n_layers = _size(config, "num_hidden_layers", family)
    attention = _mla_attention(
        config,
        family,
        _size(config, "num_attention_heads", family),
        bias=_flag(config, "attention_bias", family, False),
    )
    mtp_layers = _size(config, "num_nextn_predict_layers", family, default=0)
    intermediate = _size(config, "intermediate_size", family)
    if not _size(config, "n_routed_experts", family, default=0):
        # modeling_deepseek: n_routed_experts null -> every layer dense
        ffn = FFNSpec(intermediate_size=intermediate)
    else:
        n_experts, k = _routing(config, family, "n_routed_experts")
        first_dense = _size(config, "first_k_dense_replace", family, default=0)
        freq = _size(config, "moe_layer_freq", family, default=1) or 1
        moe_width = _size(config, "moe_intermediate_size", family)
        default_topk = "noaux_tc" if family == "deepseek_v3" else "greedy"
        ffn = FFNSpec(
            intermediate_size=intermediate,
            # modeling_deepseek.DeepseekV3DecoderLayer: MoE iff idx >= first_k_dense_replace and
            # idx % moe_layer_freq == 0; the MTP layers (idx >= n_layers) follow the same rule.
            moe_layers=tuple(
                i for i in range(n_layers + mtp_layers) if i >= first_dense and i % freq == 0
            ),
            n_routed_experts=n_experts,
            experts_per_token=k,
            moe_intermediate_size=moe_width,
            shared_intermediate_size=moe_width
            * _size(config, "n_shared_experts", family, default=0),
            # The auxiliary-loss-free router keeps a per-expert bias (e_score_correction_bias).
            router_bias=config.get("topk_method", default_topk) == "noaux_tc",
        )
    return _model_spec(config, family, hidden, n_layers, attention, ffn, mtp_layers)


def _parse_deepseek_inference(config: Mapping[str, Any], family: str) -> ModelSpec:
    missing = [key for key in _INFERENCE_SCHEMA_KEYS if config.get(key) is None]
    if missing:
        raise ConfigError(
            f"The DeepSeek inference-schema config lacks {', '.join(missing)}. DeepSeek's code "
            "would fill them with DeepSeek-V2-Lite's sizes; add them explicitly so the count "
            "describes the intended model."
        )
    hidden = _size(config, "dim", family)
    n_layers = _size(config, "n_layers", family)
    n_experts, k = _routing(config, family, "n_routed_experts", "n_activated_experts")
    moe_width = _size(config, "moe_inter_dim", family)
    ffn = FFNSpec(
        intermediate_size=_size(config, "inter_dim", family),
        moe_layers=tuple(range(_size(config, "n_dense_layers", family), n_layers)),
        n_routed_experts=n_experts,
        experts_per_token=k,
        moe_intermediate_size=moe_width,
        shared_intermediate_size=moe_width * _size(config, "n_shared_experts", family),
        # inference/model.py Gate: `self.bias = nn.Parameter(...) if self.dim == 7168 else None`.
        router_bias=hidden == 7168,
    )
    attention = _mla_attention(config, family, _size(config, "n_heads", family))
    return _model_spec(config, family, hidden, n_layers, attention, ffn)


_PARSERS = {
    "deepseek_v3": _parse_deepseek_hf,
    "deepseek_v2": _parse_deepseek_hf,
    "deepseek-inference": _parse_deepseek_inference,
    "mixtral": _parse_mixtral,
    "qwen2_moe": _parse_qwen2_moe,
    "olmoe": _parse_olmoe,
    "llama": _parse_llama,
}


# ---------------------------------------------------------------------------------------------
# Parameter counting
# ---------------------------------------------------------------------------------------------


def attention_params(attn: AttentionSpec, hidden: int) -> int:
    """Parameters of one attention block (projections, biases and attention-internal norms).

    GQA: ``q = h·H·d``, ``k = v = h·H_kv·d``, ``o = H·d·h`` (+ biases; OLMoE adds RMSNorm weights
    on q (``H·d``) and k (``H_kv·d``)).
    MLA (DeepSeek-V2 paper, arXiv:2405.04434, Sec. 2.1; ``modeling_deepseek.DeepseekV3Attention``):
    ``q_a = h·r_q`` + norm ``r_q`` + ``q_b = r_q·H·d_qk`` (or ``q = h·H·d_qk`` when ``r_q = 0``),
    ``kv_a = h·(r_kv + d_rope)`` + norm ``r_kv``, ``kv_b = r_kv·H·(d_nope + d_v)``, ``o = H·d_v·h``;
    with ``attention_bias`` the q_a, kv_a and o projections carry biases.
    """
    if attn.kind == "gqa":
        q_out, kv_out = attn.n_heads * attn.head_dim, attn.n_kv_heads * attn.head_dim
        weights = hidden * q_out + 2 * hidden * kv_out + q_out * hidden
        biases = (q_out + 2 * kv_out if attn.qkv_bias else 0) + (hidden if attn.o_bias else 0)
        norms = q_out + kv_out if attn.qk_norm else 0
        return weights + biases + norms
    nope = attn.head_dim - attn.rope_head_dim
    q_out = attn.n_heads * attn.head_dim
    if attn.q_lora_rank:
        query = hidden * attn.q_lora_rank + attn.q_lora_rank + attn.q_lora_rank * q_out
        query += attn.q_lora_rank if attn.qkv_bias else 0
    else:
        query = hidden * q_out
    kv_a_out = attn.kv_lora_rank + attn.rope_head_dim
    key_value = hidden * kv_a_out + attn.kv_lora_rank
    key_value += attn.kv_lora_rank * attn.n_heads * (nope + attn.v_head_dim)
    key_value += kv_a_out if attn.qkv_bias else 0
    output = attn.n_heads * attn.v_head_dim * hidden + (hidden if attn.o_bias else 0)
    return query + key_value + output


def mlp_params(hidden: int, intermediate: int, bias: bool = False) -> int:
    """A SwiGLU MLP (gate, up, down projections): ``3·h·i`` (+ ``2i + h`` biases)."""
    return 3 * hidden * intermediate + ((2 * intermediate + hidden) if bias else 0)


def router_params(spec: ModelSpec) -> int:
    """One MoE layer's router: ``E·h`` gate weights, ``E`` bias (aux-loss-free routing), and
    Qwen's sigmoid gate on the shared expert (``h``)."""
    ffn = spec.ffn
    bias = ffn.n_routed_experts if ffn.router_bias else 0
    shared_gate = spec.hidden_size if ffn.shared_expert_gate else 0
    return ffn.n_routed_experts * spec.hidden_size + bias + shared_gate


def _layer_components(spec: ModelSpec, moe: bool, active: bool) -> dict[str, int]:
    """Parameters of one decoder layer by component (all experts, or the k a token uses)."""
    h, ffn = spec.hidden_size, spec.ffn
    parts = dict.fromkeys(BREAKDOWN_KEYS, 0)
    parts["attention"] = attention_params(spec.attention, h)
    parts["layer_norms"] = 2 * h
    if not moe:
        parts["dense_mlp"] = mlp_params(h, ffn.intermediate_size, ffn.mlp_bias)
        return parts
    experts = ffn.experts_per_token if active else ffn.n_routed_experts
    parts["routed_experts"] = experts * mlp_params(h, ffn.moe_intermediate_size, ffn.mlp_bias)
    if ffn.shared_intermediate_size:
        parts["shared_experts"] = mlp_params(h, ffn.shared_intermediate_size, ffn.mlp_bias)
    parts["router"] = router_params(spec)
    return parts


def _model_components(spec: ModelSpec, active: bool) -> dict[str, int]:
    h, vocab = spec.hidden_size, spec.vocab_size
    totals = dict.fromkeys(BREAKDOWN_KEYS, 0)
    for moe, n_layers in ((False, spec.n_dense_layers), (True, spec.n_moe_layers)):
        if n_layers:
            for key, value in _layer_components(spec, moe, active).items():
                totals[key] += n_layers * value
    totals["embeddings"] = vocab * h
    totals["final_norm"] = h
    totals["lm_head"] = 0 if spec.tie_word_embeddings else vocab * h
    return totals


def _mtp_module_params(spec: ModelSpec) -> tuple[int, int]:
    """(unique, as stored) parameters of the multi-token-prediction modules.

    One DeepSeek-V3 MTP module (arXiv:2412.19437 Sec. 2.2; checkpoint tensors
    ``model.layers.61.*``): RMSNorms ``enorm`` and ``hnorm`` (``h`` each), projection ``eh_proj``
    (``2h·h``), one decoder layer, and ``shared_head.norm`` (``h``). The checkpoint also stores
    copies of the embedding and output head (``embed_tokens``, ``shared_head.head``, ``V·h``
    each), which the model shares with the main network: counted in "as stored" only.
    """
    if spec.mtp_layers == 0:
        return 0, 0
    h = spec.hidden_size
    unique = 0
    for index in range(spec.n_layers, spec.n_layers + spec.mtp_layers):
        layer = _layer_components(spec, index in spec.ffn.moe_layers, active=False)
        unique += sum(layer.values()) + 2 * h + 2 * h * h + h
    stored = unique + spec.mtp_layers * 2 * spec.vocab_size * h
    return unique, stored


@dataclass(frozen=True)
class ParamCount:
    """Total and active-per-token parameter counts of one model, with breakdowns.

    ``breakdown`` and ``active_breakdown`` map each of :data:`BREAKDOWN_KEYS` to a count and sum
    to ``total_params`` and ``active_params``. MTP modules are not in either total:
    ``mtp_params`` counts their unique parameters and ``mtp_stored_params`` adds the copies of
    the embedding and output head stored in the checkpoint.
    """

    model: str
    family: str
    total_params: int
    active_params: int
    active_params_excluding_embedding: int
    breakdown: dict[str, int]
    active_breakdown: dict[str, int]
    mtp_params: int
    mtp_stored_params: int
    spec: ModelSpec = field(repr=False)

    @property
    def total_params_with_mtp(self) -> int:
        """Parameters as stored in the released checkpoint (main model + MTP with its copies)."""
        return self.total_params + self.mtp_stored_params

    @property
    def active_share_excluding_embedding(self) -> float:
        """``active_params_excluding_embedding / total_params`` (DeepSeek's convention)."""
        return self.active_params_excluding_embedding / self.total_params

    @property
    def active_share_including_embedding(self) -> float:
        """``active_params / total_params`` (the embedding table counted as active)."""
        return self.active_params / self.total_params

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: model, counts, breakdowns and the architecture facts behind them."""
        spec = self.spec
        return {
            "model": self.model,
            "family": self.family,
            "total_params": self.total_params,
            "active_params": self.active_params,
            "active_params_excluding_embedding": self.active_params_excluding_embedding,
            "active_share_excluding_embedding": round(self.active_share_excluding_embedding, 6),
            "active_share_including_embedding": round(self.active_share_including_embedding, 6),
            "breakdown": dict(self.breakdown),
            "active_breakdown": dict(self.active_breakdown),
            "mtp_params": self.mtp_params,
            "mtp_stored_params": self.mtp_stored_params,
            "total_params_with_mtp": self.total_params_with_mtp,
            "architecture": {
                "attention": spec.attention.kind,
                "layers": spec.n_layers,
                "moe_layers": spec.n_moe_layers,
                "routed_experts": spec.ffn.n_routed_experts,
                "experts_per_token": spec.ffn.experts_per_token,
                "shared_expert_width": spec.ffn.shared_intermediate_size,
                "mtp_layers": spec.mtp_layers,
                "tie_word_embeddings": spec.tie_word_embeddings,
                "kv_cache_elements_per_token": kv_cache_elements_per_token(spec),
            },
        }


def count_spec(spec: ModelSpec, model: str) -> ParamCount:
    """Count the parameters of an already parsed :class:`ModelSpec` (see :func:`count_params`)."""
    total_parts = _model_components(spec, active=False)
    active_parts = _model_components(spec, active=True)
    active = sum(active_parts.values())
    # A tied table is also the output head, which every token multiplies with.
    lookup_only = 0 if spec.tie_word_embeddings else active_parts["embeddings"]
    mtp_unique, mtp_stored = _mtp_module_params(spec)
    return ParamCount(
        model=model,
        family=spec.family,
        total_params=sum(total_parts.values()),
        active_params=active,
        active_params_excluding_embedding=active - lookup_only,
        breakdown=total_parts,
        active_breakdown=active_parts,
        mtp_params=mtp_unique,
        mtp_stored_params=mtp_stored,
        spec=spec,
    )


def count_params(config: Mapping[str, Any], model: str | None = None) -> ParamCount:
    """Total and active-per-token parameters of the model a config describes.

    Parameters
    ----------
    config : a parsed ``config.json`` (see :func:`load_config`) of a supported family
        (:data:`SUPPORTED_FAMILIES`).
    model : display name; defaults to the config's ``_name_or_path`` or ``"<family> config"``.

    Returns
    -------
    ParamCount
        Exact integer counts (every weight matrix, bias and norm vector the architecture
        defines), a breakdown by component, and the MTP module separately.

    Notes
    -----
    Per layer: attention (:func:`attention_params`), two RMSNorms (``2h``), and either a dense
    SwiGLU MLP ``3·h·i`` or E routed experts ``E·3·h·i_moe`` + shared experts + router
    (:func:`router_params`). Model: + embedding ``V·h``, final norm ``h``, output head ``V·h``
    unless tied. Active counts use ``k`` of the ``E`` routed experts. Cross-checked against
    the published counts in ``published_params.csv`` by :func:`bundled_comparison_table`.

    Raises
    ------
    ConfigError
        Unsupported architecture (the message lists the supported ones) or a missing/invalid key.
    """
    if not isinstance(config, Mapping):
        raise ConfigError(
            f"count_params needs a config dict (parsed config.json), got {type(config).__name__}. "
            "Use load_config(path) first."
        )
    spec = parse_config(config)
    name = model or str(config.get("_name_or_path") or f"{spec.family} config")
    return count_spec(spec, name)


def count_params_from_file(path: str | Path) -> ParamCount:
    """:func:`load_config` + :func:`count_params`, named after the file (see :func:`model_name_for_path`)."""
    config = load_config(path)
    name = str(path) if _resolve_config_path(path) is None else model_name_for_path(path)
    return count_params(config, model=name)


def count_bundled(name: str) -> ParamCount:
    """Count a bundled config by file stem, e.g. ``"DeepSeek-V3"``."""
    return _count_bundled_cached(name)


@cache
def _count_bundled_cached(name: str) -> ParamCount:
    return count_params(load_model_config(name), model=name)


def with_all_experts_active(count: ParamCount) -> ParamCount:
    """The same architecture with every routed expert used by every token.

    This is the "dense model of equal total parameters" of the compute comparisons: its active
    count equals its total, and its attention and KV cache are those of the original model.
    """
    spec = count.spec
    ffn = replace(spec.ffn, experts_per_token=spec.ffn.n_routed_experts)
    return count_spec(replace(spec, ffn=ffn), f"{count.model} (all experts active)")


def format_param_table(result: ParamCount) -> str:
    """Human-readable table of a :class:`ParamCount` for the ``deepseek-shock params`` command.

    The active count and share are printed on both conventions, each labelled (see the module
    docstring), so the text agrees with any figure quoted on either basis.
    """
    spec = result.spec
    routing = (
        f"{spec.n_moe_layers} MoE layers, {spec.ffn.n_routed_experts} routed experts, "
        f"top-{spec.ffn.experts_per_token}"
        if spec.ffn.n_routed_experts
        else "dense"
    )
    lines = [
        f"{result.model}  (family {result.family}; {spec.n_layers} layers; {routing}; "
        f"{spec.attention.kind.upper()} attention)",
        "",
        f"{'component':<16}{'total':>20}{'active per token':>20}",
    ]
    for key in BREAKDOWN_KEYS:
        total, active = result.breakdown[key], result.active_breakdown[key]
        if total:
            lines.append(f"{key:<16}{total:>20,}{active:>20,}")
    lines.append("-" * 56)
    lines.append(f"{'total':<16}{result.total_params:>20,}{result.active_params:>20,}")
    lines.append(
        f"{'':<16}{_billions(result.total_params):>20}{_billions(result.active_params):>20}"
    )
    lines.append("")
    lines.append("active per token, and share of the total:")
    for label, active, share in (
        (
            "excluding the input-embedding table (DeepSeek's convention)",
            result.active_params_excluding_embedding,
            result.active_share_excluding_embedding,
        ),
        (
            "including the embedding table (as in the column above)",
            result.active_params,
            result.active_share_including_embedding,
        ),
    ):
        lines.append(f"  {label:<60}{active:>16,} ({_billions(active)})  {share:.2%}")
    if result.mtp_params:
        lines.append(
            f"MTP module (not in total): {result.mtp_params:,} unique "
            f"({_billions(result.mtp_params)}); {result.mtp_stored_params:,} as stored with "
            f"copies of embedding and head; checkpoint total {_billions(result.total_params_with_mtp)}"
        )
    return "\n".join(lines)


def _billions(n: float) -> str:
    return f"{n / 1e9:,.2f}B"


# ---------------------------------------------------------------------------------------------
# Comparison with published counts
# ---------------------------------------------------------------------------------------------

#: Bundled config stem -> the row of ``published_params.csv`` it should reproduce, and whether
#: the config describes the architecture the published figure refers to.
CONFIG_PUBLISHED_MODEL: dict[str, tuple[str, bool]] = {
    "DeepSeek-V3": ("DeepSeek-V3", True),
    "DeepSeek-V2.inference_schema": ("DeepSeek-V2", True),
    "DeepSeek-V2-Lite.inference_schema": ("DeepSeek-V2-Lite", True),
    "Mixtral-8x7B-Instruct-v0.1": ("Mixtral-8x7B", True),
    "Qwen1.5-MoE-A2.7B": ("Qwen1.5-MoE-A2.7B", True),
    "OLMoE-1B-7B-0924": ("OLMoE-1B-7B-0924", True),
    "Llama-3.1-8B-Instruct": ("Llama-3.1-8B", True),
    "Llama-3.1-70B-Instruct": ("Llama-3.1-70B", True),
    "Llama-3.1-405B": ("Llama-3.1-405B", True),
    # The first public 405B checkpoint stored each KV head twice (see its .source.txt).
    "Llama-3.1-405B.reupload-kv16": ("Llama-3.1-405B", False),
}

#: Published models whose active count leaves out the input-embedding table. Evidence: DeepSeek's
#: README_WEIGHTS ("Activation parameters: 36.6B (including 0.9B for the output Head)", bundled
#: data/moe/deepseek_v3_weights.csv); the V2 paper's figures follow the same arithmetic.
ACTIVE_EXCLUDES_EMBEDDING = frozenset({"DeepSeek-V3", "DeepSeek-V2", "DeepSeek-V2-Lite"})

TOTAL_REL_TOL = 0.01
ACTIVE_REL_TOL = 0.03


def published_precision(published: float | str) -> float:
    """Half a unit in the last published digit: ``"7"`` -> 0.5, ``"46.7"`` -> 0.05, ``15.7`` -> 0.05.

    A float is read by its shortest round-trip representation (``7.0`` counts as ``"7"``).
    """
    text = published if isinstance(published, str) else repr(float(published))
    text = text.strip()
    if not isinstance(published, str) and text.endswith(".0"):
        text = text[:-2]
    if not re.fullmatch(r"\d+(\.\d+)?", text):
        raise ParameterError(
            f"Published value {published!r} is not a plain decimal number. Pass e.g. '671' or 46.7."
        )
    decimals = len(text.split(".")[1]) if "." in text else 0
    return 0.5 * 10.0**-decimals


@dataclass(frozen=True)
class PublishedComparison:
    """A computed count next to a published one, with the tolerance band used.

    Rule (DESIGN.md): a published figure stands for the interval of its precision (``"7B"`` is
    6.5–7.5B) or ``± rel_tol`` of it, whichever is wider; ``within`` tells whether the computed
    value lies in that band. Values in billions.
    """

    computed_b: float
    published_b: float
    low_b: float
    high_b: float
    rel_tol: float
    within: bool

    @property
    def rel_diff(self) -> float:
        """``computed / published - 1``."""
        return self.computed_b / self.published_b - 1.0


def compare_with_published(
    computed: float, published_b: float | str, rel_tol: float
) -> PublishedComparison:
    """Compare a computed count (parameters) with a published one (billions).

    ``band = published ± max(published_precision(published), rel_tol · published)``.
    """
    published = float(published_b)
    half_width = max(published_precision(published_b), rel_tol * published)
    computed_b = computed / 1e9
    low, high = published - half_width, published + half_width
    return PublishedComparison(
        computed_b=computed_b,
        published_b=published,
        low_b=low,
        high_b=high,
        rel_tol=rel_tol,
        within=bool(low <= computed_b <= high),
    )


def published_params() -> pd.DataFrame:
    """``published_params.csv`` indexed by model (total/active in billions, with source and quote)."""
    return load_reference("published_params").set_index("model")


def active_on_published_basis(count: ParamCount, published_model: str) -> int:
    """The computed active count on the convention the publisher of ``published_model`` uses."""
    if published_model in ACTIVE_EXCLUDES_EMBEDDING:
        return count.active_params_excluding_embedding
    return count.active_params


def bundled_comparison_table() -> pd.DataFrame:
    """Every bundled config's computed counts next to its published ones.

    Columns: config, published_model, describes_published (the config is the architecture the
    published figure refers to), total/active computed and published (billions), the band
    limits, ``total_within`` / ``active_within`` (see :func:`compare_with_published`; 1% for
    totals, 3% for active counts), both active conventions, and the basis used.
    """
    table = published_params()
    rows = []
    for config_name, (published_model, describes) in CONFIG_PUBLISHED_MODEL.items():
        count = count_bundled(config_name)
        published = table.loc[published_model]
        total = compare_with_published(
            count.total_params, published["total_params_b"], TOTAL_REL_TOL
        )
        active_value = active_on_published_basis(count, published_model)
        active = compare_with_published(active_value, published["active_params_b"], ACTIVE_REL_TOL)
        rows.append(
            {
                "config": config_name,
                "published_model": published_model,
                "describes_published": describes,
                "total_b": total.computed_b,
                "total_published_b": total.published_b,
                "total_low_b": total.low_b,
                "total_high_b": total.high_b,
                "total_within": total.within,
                "active_b": active.computed_b,
                "active_published_b": active.published_b,
                "active_low_b": active.low_b,
                "active_high_b": active.high_b,
                "active_within": active.within,
                "active_incl_embedding_b": count.active_params / 1e9,
                "active_excl_embedding_b": count.active_params_excluding_embedding / 1e9,
                "active_basis": "excluding input embedding"
                if published_model in ACTIVE_EXCLUDES_EMBEDDING
                else "including embedding",
            }
        )
    return pd.DataFrame(rows)


def deepseek_v3_weight_facts() -> pd.DataFrame:
    """DeepSeek's own breakdown of the V3 checkpoint (``data/moe/deepseek_v3_weights.csv``)."""
    path = data_dir() / "moe" / "deepseek_v3_weights.csv"
    try:
        return pd.read_csv(path).set_index("component")
    except FileNotFoundError as exc:
        raise DataError(
            f"{path} is missing. Restore it from git or reinstall the package."
        ) from exc


def breakdown_frame(counts: Iterable[ParamCount]) -> pd.DataFrame:
    """Total parameters per model in the four groups of the stacked chart (billions).

    Groups: ``attention`` (attention + layer norms), ``dense MLP``, ``experts`` (routed + shared
    + router), ``embeddings`` (embedding + output head + final norm); plus the total, and the
    active count and active share on both conventions (columns ``active incl. embedding``,
    ``active excl. embedding``, ``active share incl. embedding``, ``active share excl. embedding``).
    """
    rows = []
    for c in counts:
        b = c.breakdown
        rows.append(
            {
                "model": c.model,
                "attention": (b["attention"] + b["layer_norms"]) / 1e9,
                "dense MLP": b["dense_mlp"] / 1e9,
                "experts": (b["routed_experts"] + b["shared_experts"] + b["router"]) / 1e9,
                "embeddings": (b["embeddings"] + b["lm_head"] + b["final_norm"]) / 1e9,
                "total": c.total_params / 1e9,
                "active incl. embedding": c.active_params / 1e9,
                "active excl. embedding": c.active_params_excluding_embedding / 1e9,
                "active share incl. embedding": c.active_share_including_embedding,
                "active share excl. embedding": c.active_share_excluding_embedding,
            }
        )
    return pd.DataFrame(rows).set_index("model")


# ---------------------------------------------------------------------------------------------
# Compute per token
# ---------------------------------------------------------------------------------------------


def attention_flops_per_token(spec: ModelSpec, context_length: float | np.ndarray) -> np.ndarray:
    """FLOPs of the attention scores and weighted sum for one token attending ``L`` positions.

    ``2·n_layers·H·L·(d_qk + d_v)`` — score ``q·k`` (``2·H·d_qk`` per position) and the
    softmax-weighted sum of values (``2·H·d_v``), as in Hoffmann et al. 2022 (Chinchilla),
    App. F. MLA is counted in its un-absorbed form (per-head keys of ``d_nope + d_rope`` and
    values of ``d_v``), i.e. the arithmetic of standard multi-head attention of that shape.
    """
    attn = spec.attention
    length = np.asarray(context_length, dtype=float)
    return 2.0 * spec.n_layers * attn.n_heads * length * (attn.head_dim + attn.v_head_dim)


def forward_flops_per_token(count: ParamCount, context_length: float | np.ndarray) -> np.ndarray:
    """Forward FLOPs for one token at context length ``L``: ``2·N_active + attention(L)``.

    ``N_active`` is :attr:`ParamCount.active_params_excluding_embedding` (the embedding lookup
    multiplies nothing; a multiply-add is 2 FLOPs; Kaplan et al. 2020, Sec. 2.1, ``C ≈ 2N``);
    the attention term is :func:`attention_flops_per_token`. Norm/bias vectors are included
    in ``N`` (negligible) and element-wise work is ignored.
    """
    return 2.0 * count.active_params_excluding_embedding + attention_flops_per_token(
        count.spec, context_length
    )


def flops_frame(counts: Sequence[ParamCount], context_lengths: Sequence[int]) -> pd.DataFrame:
    """Forward GFLOPs per token for each model (columns) at each context length (rows)."""
    lengths = np.asarray(context_lengths, dtype=float)
    data = {c.model: forward_flops_per_token(c, lengths) / 1e9 for c in counts}
    return pd.DataFrame(data, index=pd.Index(np.asarray(context_lengths), name="context_length"))


# ---------------------------------------------------------------------------------------------
# KV cache
# ---------------------------------------------------------------------------------------------


def kv_cache_elements_per_token(spec: ModelSpec, layout: str = "native") -> int:
    """Cached elements per token, summed over layers.

    ``layout="native"``: MLA caches the compressed latent and the shared rope key,
    ``(r_kv + d_rope)`` per layer (DeepSeek-V2 paper, arXiv:2405.04434, Table 1); GQA caches
    ``2·H_kv·d``. ``layout="mha"``: the same model with a full key and value per query head,
    ``H·(d_qk + d_v)`` per layer (for GQA ``2·H·d``).
    """
    attn = spec.attention
    if layout == "native":
        if attn.kind == "mla":
            per_layer = attn.kv_lora_rank + attn.rope_head_dim
        else:
            per_layer = 2 * attn.n_kv_heads * attn.head_dim
    elif layout == "mha":
        per_layer = attn.n_heads * (attn.head_dim + attn.v_head_dim)
    else:
        raise ParameterError(f"Unknown KV-cache layout {layout!r}. Use 'native' or 'mha'.")
    return per_layer * spec.n_layers


# ---------------------------------------------------------------------------------------------
# API prices
# ---------------------------------------------------------------------------------------------

_PRICE_LABELS = {
    "input cache hit": "cache_hit_input",
    "cached input": "cache_hit_input",
    "cache miss": "input",
    "input": "input",
    "output": "output",
}

#: Short names used in the price table for the models the price rows mention.
_PRICE_MODEL_NAMES = {
    "deepseek-chat (DeepSeek-V3)": "DeepSeek-V3 (deepseek-chat)",
    "deepseek-reasoner (DeepSeek-R1)": "DeepSeek-R1 (deepseek-reasoner)",
    "V3": "DeepSeek-V3 (deepseek-chat)",
    "OpenAI o1": "OpenAI o1",
    "Claude 3.5 Sonnet": "Claude 3.5 Sonnet",
}

PRICE_BASES = ("cache_hit_input", "input", "output")


def api_prices() -> pd.DataFrame:
    """API list prices (USD per 1M tokens) parsed from the bundled ``cost_estimates.csv``.

    Columns: model, price_type (``cache_hit_input`` / ``input`` / ``output``), usd_per_million,
    date, source. Rows mentioning the same model and price type must agree (else DataError).
    """
    table = load_reference("cost_estimates")
    rows = []
    for _, row in table[table["unit"].astype(str).str.startswith("USD per 1M tokens")].iterrows():
        for model, label, value in _parse_price_row(
            str(row["claim"]), str(row["value"]), str(row["unit"])
        ):
            rows.append(
                {
                    "model": model,
                    "price_type": label,
                    "usd_per_million": value,
                    "date": row["date"],
                    "source": row["source"],
                }
            )
    prices = pd.DataFrame(rows)
    spread = prices.groupby(["model", "price_type"])["usd_per_million"].agg(["min", "max"])
    conflicting = spread[spread["min"] != spread["max"]]
    if not conflicting.empty:
        raise DataError(f"cost_estimates.csv gives conflicting API prices: {conflicting.to_dict()}")
    return (
        prices.drop_duplicates(["model", "price_type"])
        .sort_values(["model", "price_type"])
        .reset_index(drop=True)
    )


def _parse_price_row(claim: str, value: str, unit: str) -> list[tuple[str, str, float]]:
    """(model, price_type, USD) triples from one price row of cost_estimates.csv.

    Two layouts occur: labels after the claim's colon with one model ("... API price: input /
    cached input / output", values "15.00 / 7.50 / 60.00"), and two models compared in the value
    ("0.27 / 1.10 (V3) vs 3 / 15 (Claude 3.5 Sonnet)") with labels in the unit's parentheses.
    """
    if " vs " in value:
        labels_match = re.search(r"\(([^)]*)\)", unit)
        parts = re.findall(r"([\d.\s/]+)\(([^)]+)\)", value)
        if labels_match is None or not parts:
            raise DataError(f"Cannot parse the API price row {claim!r}: {value!r}.")
        labels = [s.strip() for s in labels_match.group(1).split("/")]
        groups = [(name.strip(), numbers) for numbers, name in parts]
    else:
        match = re.match(
            r"^(?:DeepSeek API price, )?(?P<model>.+?)(?: API price)?: (?P<labels>.+)$", claim
        )
        if match is None:
            raise DataError(f"Cannot parse the API price row {claim!r}.")
        labels = [s.strip() for s in match.group("labels").split("/")]
        groups = [(match.group("model").strip(), value)]
    triples = []
    for name, numbers in groups:
        values = [float(v) for v in numbers.split("/") if v.strip()]
        if name not in _PRICE_MODEL_NAMES or len(values) != len(labels):
            raise DataError(f"Cannot parse the API price row {claim!r}: {value!r}.")
        for label, price in zip(labels, values, strict=True):
            if label not in _PRICE_LABELS:
                raise DataError(
                    f"Unknown price label {label!r} in cost_estimates.csv row {claim!r}."
                )
            triples.append((_PRICE_MODEL_NAMES[name], _PRICE_LABELS[label], price))
    return triples


def price_ratio_frame(
    numerators: Sequence[str], denominators: Sequence[str], input_share: float = 0.75
) -> pd.DataFrame:
    """Price ratios (numerator model / denominator model) on each basis.

    Bases: ``cache_hit_input``, ``input`` (cache miss), ``output``, and ``blend``: the price of a
    token mix with ``input_share`` input (cache-miss) tokens, ``s·p_in + (1-s)·p_out``.
    A missing price gives NaN (the data does not have it).
    """
    if not 0.0 <= input_share <= 1.0:
        raise ParameterError(f"input_share must be in [0, 1], got {input_share}.")
    prices = api_prices().pivot(index="model", columns="price_type", values="usd_per_million")
    for name in (*numerators, *denominators):
        if name not in prices.index:
            raise ParameterError(
                f"No API prices for {name!r}. Available: {', '.join(prices.index)}."
            )
    prices = prices.reindex(columns=list(PRICE_BASES))
    prices["blend"] = input_share * prices["input"] + (1.0 - input_share) * prices["output"]
    rows = []
    for num in numerators:
        for den in denominators:
            ratios = prices.loc[num] / prices.loc[den]
            rows.append({"numerator": num, "denominator": den, **ratios.to_dict()})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# Claim checks (the ledger seeds/claims.yaml calls these as moe:verify_*)
# ---------------------------------------------------------------------------------------------


def _bundled_count(model: str) -> tuple[str, ParamCount, str | None]:
    """(bundled config stem, its count, the published model it corresponds to) for ``model``,
    a config stem or a published model name."""
    if model in list_model_configs():
        config_name = model
    else:
        described = [
            name
            for name, (published, describes) in CONFIG_PUBLISHED_MODEL.items()
            if published == model and describes
        ]
        if not described:
            raise ParameterError(
                f"No bundled config for {model!r}. Available: {', '.join(list_model_configs())}."
            )
        config_name = described[0]
    entry = CONFIG_PUBLISHED_MODEL.get(config_name)
    return config_name, count_bundled(config_name), entry[0] if entry else None


def verify_total_params(model: str = "DeepSeek-V3", include_mtp: bool = False) -> Measurement:
    """Total parameters computed from the bundled config.

    Signature: ``verify_total_params(model="DeepSeek-V3", include_mtp=False) -> Measurement``;
    ``value`` in parameters (unit ``"params"``); ``include_mtp=True`` counts the checkpoint as
    stored (main model + MTP module with its embedding/head copies, DeepSeek's "685B").
    ``extra``: ``billions``, ``published_b`` and ``within_published`` when a published figure exists.
    """
    config_name, count, published = _bundled_count(model)
    value = count.total_params_with_mtp if include_mtp else count.total_params
    basis = "main model + MTP module as stored" if include_mtp else "main model (MTP excluded)"
    extra: dict[str, object] = {"billions": round(value / 1e9, 3), "config": config_name}
    if published is not None and not include_mtp:
        row = published_params().loc[published]
        comparison = compare_with_published(value, row["total_params_b"], TOTAL_REL_TOL)
        extra.update(published_b=comparison.published_b, within_published=comparison.within)
    return Measurement(
        value=float(value),
        unit="params",
        basis=f"total parameters, {basis}, counted from config {config_name}.json",
        evidence=(
            f"{config_name}: {value:,} parameters ({value / 1e9:.2f}B) from its config.json "
            "(every weight, bias and norm of embedding, layers and head; deepseek_shock.moe.count_params)."
        ),
        extra=extra,
    )


def verify_active_params(model: str = "DeepSeek-V3") -> Measurement:
    """Active parameters per token computed from the bundled config.

    Signature: ``verify_active_params(model="DeepSeek-V3") -> Measurement``; ``value`` in
    parameters on the publisher's convention (DeepSeek: excluding the input-embedding table);
    ``bounds`` = (excluding, including the embedding table) so a claim on either convention can
    be judged; ``extra`` has both, the ``convention`` of ``value`` and the published figure.
    """
    config_name, count, published = _bundled_count(model)
    published = published or model
    value = active_on_published_basis(count, published)
    convention = (
        "excluding the input-embedding table"
        if published in ACTIVE_EXCLUDES_EMBEDDING
        else "including the embedding table"
    )
    extra: dict[str, object] = {
        "billions": round(value / 1e9, 3),
        "including_embedding": count.active_params,
        "excluding_embedding": count.active_params_excluding_embedding,
        "convention": convention,
        "config": config_name,
    }
    if published in published_params().index:
        extra["published_b"] = float(published_params().loc[published, "active_params_b"])
    return Measurement(
        value=float(value),
        unit="params",
        basis=f"parameters used per token ({convention}), counted from config {config_name}.json",
        evidence=(
            f"{config_name}: {value / 1e9:.2f}B parameters per token "
            f"({count.active_params_excluding_embedding / 1e9:.2f}B without, "
            f"{count.active_params / 1e9:.2f}B with the embedding table) of "
            f"{count.total_params / 1e9:.2f}B; top-{count.spec.ffn.experts_per_token} of "
            f"{count.spec.ffn.n_routed_experts} routed experts per MoE layer."
        ),
        bounds=(float(count.active_params_excluding_embedding), float(count.active_params)),
        extra=extra,
    )


def verify_active_share(model: str = "DeepSeek-V3") -> Measurement:
    """Share of the parameters a token uses, in percent.

    Signature: ``verify_active_share(model="DeepSeek-V3") -> Measurement``; ``value`` =
    100 · active / total on the publisher's active convention (named in ``basis`` and
    ``extra["convention"]``), unit ``"%"``; ``bounds`` = (share excluding, share including the
    embedding table), i.e. :attr:`ParamCount.active_share_excluding_embedding` and
    :attr:`ParamCount.active_share_including_embedding` in percent.
    """
    active = verify_active_params(model)
    total = verify_total_params(model)
    share = 100.0 * float(active.value) / float(total.value)
    low, high = (100.0 * bound / float(total.value) for bound in active.bounds)
    convention = str(active.extra["convention"])
    return Measurement(
        value=share,
        unit="%",
        basis=f"active parameters per token ({convention}) / total parameters",
        evidence=(
            f"{active.evidence} Share {share:.2f}% ({convention}); {low:.2f}% excluding, "
            f"{high:.2f}% including the embedding table."
        ),
        bounds=(low, high),
        extra={"convention": convention},
    )


def verify_api_price_ratio(
    numerator: str = "OpenAI o1",
    denominator: str = "DeepSeek-R1 (deepseek-reasoner)",
    basis: str = "output",
    input_share: float = 0.75,
) -> Measurement:
    """How many times more ``numerator``'s API costs than ``denominator``'s, per 1M tokens.

    Signature: ``verify_api_price_ratio(numerator="OpenAI o1",
    denominator="DeepSeek-R1 (deepseek-reasoner)", basis="output", input_share=0.75) ->
    Measurement``; ``basis`` in ``cache_hit_input``, ``input``, ``output``, ``blend``;
    ``value`` = the ratio (unit ``"x"``); ``bounds`` = (min, max) of the input and output
    ratios; ``extra`` has every basis's ratio. Prices from cost_estimates.csv.
    """
    if basis not in (*PRICE_BASES, "blend"):
        raise ParameterError(
            f"Unknown basis {basis!r}. Use one of {', '.join((*PRICE_BASES, 'blend'))}."
        )
    ratios = price_ratio_frame([numerator], [denominator], input_share).iloc[0]
    value = float(ratios[basis])
    list_ratios = [float(ratios["input"]), float(ratios["output"])]
    return Measurement(
        value=value,
        unit="x",
        basis=f"{numerator} / {denominator} API price per 1M tokens, {basis}",
        evidence=(
            f"List prices in cost_estimates.csv: {numerator} / {denominator} = "
            f"{ratios['input']:.1f}x (input), {ratios['output']:.1f}x (output), "
            f"{ratios['cache_hit_input']:.1f}x (cached input)."
        ),
        bounds=(min(list_ratios), max(list_ratios)),
        extra={
            k: round(float(ratios[k]), 3) for k in (*PRICE_BASES, "blend") if not pd.isna(ratios[k])
        },
    )
