"""Tests for deepseek_shock.moe: parameter counts, published comparisons, KV cache and FLOPs per
token, API price ratios and the verify_* functions (serving costs: tests/test_serving.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepseek_shock import moe
from deepseek_shock.errors import ConfigError, ParameterError
from deepseek_shock.evidence import Measurement
from deepseek_shock.reference import list_model_configs, load_model_config

# ---------------------------------------------------------------------------------------------
# Hand-computed tiny configs
# ---------------------------------------------------------------------------------------------

TINY_DEEPSEEK = {
    "model_type": "deepseek_v3",
    "vocab_size": 100,
    "hidden_size": 16,
    "num_hidden_layers": 3,
    "num_attention_heads": 2,
    "q_lora_rank": 8,
    "kv_lora_rank": 4,
    "qk_nope_head_dim": 6,
    "qk_rope_head_dim": 2,
    "v_head_dim": 4,
    "intermediate_size": 32,
    "moe_intermediate_size": 8,
    "n_routed_experts": 4,
    "num_experts_per_tok": 2,
    "n_shared_experts": 1,
    "first_k_dense_replace": 1,
    "moe_layer_freq": 1,
    "topk_method": "noaux_tc",
    "num_nextn_predict_layers": 1,
    "tie_word_embeddings": False,
}

TINY_LLAMA = {
    "model_type": "llama",
    "vocab_size": 50,
    "hidden_size": 8,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "intermediate_size": 12,
    "tie_word_embeddings": False,
}


def test_tiny_deepseek_matches_hand_count():
    h, v = 16, 100
    # MLA: q_a (h x 8) + q_a_norm (8) + q_b (8 x 2 heads x (6+2)); kv_a (h x (4+2)) + kv_norm (4)
    # + kv_b (4 x 2 x (6+4)); o (2 x 4 x h).
    attention = (16 * 8 + 8 + 8 * 16) + (16 * 6 + 4 + 4 * 20) + (8 * 16)
    assert attention == 572
    norms = 2 * h
    expert = 3 * 16 * 8
    dense_layer = attention + norms + 3 * 16 * 32
    router = 4 * 16 + 4  # gate weights + e_score_correction_bias (noaux_tc)
    moe_layer_total = attention + norms + 4 * expert + expert + router
    moe_layer_active = attention + norms + 2 * expert + expert + router
    total = v * h + dense_layer + 2 * moe_layer_total + h + v * h
    active = v * h + dense_layer + 2 * moe_layer_active + h + v * h
    assert (total, active) == (10540, 9004)

    count = moe.count_params(TINY_DEEPSEEK, model="tiny")
    assert count.total_params == total
    assert count.active_params == active
    assert count.active_params_excluding_embedding == active - v * h
    assert count.breakdown["routed_experts"] == 2 * 4 * expert
    assert count.active_breakdown["routed_experts"] == 2 * 2 * expert
    assert count.breakdown["router"] == 2 * router
    # MTP: one MoE decoder layer + enorm, hnorm (h each) + eh_proj (2h x h) + shared_head.norm (h);
    # as stored, plus copies of the embedding and head.
    mtp = moe_layer_total + h + h + 2 * h * h + h
    assert count.mtp_params == mtp == 3152
    assert count.mtp_stored_params == mtp + 2 * v * h
    assert count.total_params_with_mtp == total + mtp + 2 * v * h


def test_tiny_llama_matches_hand_count_and_tying_removes_the_head():
    # head_dim 8/4 = 2; q 8x8, k and v 8x(2x2), o 8x8; two norms; SwiGLU 3x8x12.
    layer = (64 + 32 + 32 + 64) + 16 + 3 * 8 * 12
    total = 50 * 8 + 2 * layer + 8 + 50 * 8
    count = moe.count_params(TINY_LLAMA)
    assert count.total_params == count.active_params == total == 1800
    assert count.active_params_excluding_embedding == total - 400
    tied = moe.count_params({**TINY_LLAMA, "tie_word_embeddings": True})
    assert tied.total_params == total - 400
    # A tied table is the output head too, so per-token compute keeps it.
    assert tied.active_params_excluding_embedding == tied.active_params


def test_tiny_qwen2_moe_matches_hand_count():
    config = {
        "model_type": "qwen2_moe",
        "vocab_size": 20,
        "hidden_size": 8,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "num_key_value_heads": 2,
        "intermediate_size": 16,
        "moe_intermediate_size": 4,
        "shared_expert_intermediate_size": 6,
        "num_experts": 3,
        "num_experts_per_tok": 1,
        "decoder_sparse_step": 2,  # only layer 1 is MoE
    }
    attention = 3 * (8 * 8 + 8) + 8 * 8  # q, k, v with biases; o without
    dense_layer = attention + 16 + 3 * 8 * 16
    moe_common = attention + 16 + 3 * 8 * 6 + (3 * 8 + 8)  # shared expert, router + shared gate
    total = 160 + dense_layer + moe_common + 3 * 96 + 8 + 160
    active = 160 + dense_layer + moe_common + 1 * 96 + 8 + 160
    count = moe.count_params(config)
    assert (count.total_params, count.active_params) == (total, active) == (1768, 1576)
    assert count.spec.ffn.moe_layers == (1,)


def test_tiny_olmoe_and_mixtral_match_hand_counts():
    base = {
        "vocab_size": 10,
        "hidden_size": 4,
        "num_hidden_layers": 1,
        "num_attention_heads": 2,
        "num_key_value_heads": 1,
        "num_experts_per_tok": 2,
    }
    # OLMoE: q 4x4, k, v 4x2, o 4x4, q_norm 4, k_norm 2; experts 4 x 3x4x3; router 4x4.
    olmoe = moe.count_params(
        {**base, "model_type": "olmoe", "intermediate_size": 3, "num_experts": 4}
    )
    layer_common = (16 + 8 + 8 + 16 + 4 + 2) + 8 + 16
    assert olmoe.total_params == 40 + layer_common + 4 * 36 + 4 + 40 == 306
    assert olmoe.active_params == 40 + layer_common + 2 * 36 + 4 + 40 == 234
    # Mixtral: no q/k norms, experts 3 x 3x4x5, router 3x4.
    mixtral = moe.count_params(
        {**base, "model_type": "mixtral", "intermediate_size": 5, "num_local_experts": 3}
    )
    layer_common = 48 + 8 + 12
    assert mixtral.total_params == 40 + layer_common + 3 * 60 + 4 + 40 == 332
    assert mixtral.active_params == 40 + layer_common + 2 * 60 + 4 + 40 == 272


def test_breakdown_sums_to_totals_for_every_bundled_config():
    for name in list_model_configs():
        count = moe.count_bundled(name)
        assert sum(count.breakdown.values()) == count.total_params
        assert sum(count.active_breakdown.values()) == count.active_params
        assert set(count.breakdown) == set(moe.BREAKDOWN_KEYS)


# ---------------------------------------------------------------------------------------------
# Bundled configs vs published counts
# ---------------------------------------------------------------------------------------------


def test_every_bundled_config_has_a_published_counterpart():
    assert set(moe.CONFIG_PUBLISHED_MODEL) == set(list_model_configs())


@pytest.mark.parametrize(
    "config_name",
    [name for name, (_, describes) in moe.CONFIG_PUBLISHED_MODEL.items() if describes],
)
def test_bundled_config_reproduces_published_counts(config_name):
    published_model, _ = moe.CONFIG_PUBLISHED_MODEL[config_name]
    row = moe.published_params().loc[published_model]
    count = moe.count_bundled(config_name)
    total = moe.compare_with_published(count.total_params, row["total_params_b"], 0.01)
    active_value = moe.active_on_published_basis(count, published_model)
    active = moe.compare_with_published(active_value, row["active_params_b"], 0.03)
    assert total.within, (config_name, total)
    assert active.within, (config_name, active)


def test_deepseek_v3_671b_total_37b_active_685b_checkpoint():
    count = moe.count_bundled("DeepSeek-V3")
    assert abs(count.total_params / 671e9 - 1) < 0.01
    # Both active conventions are within 3% of the README's "37B".
    assert abs(count.active_params / 37e9 - 1) < 0.03
    assert abs(count.active_params_excluding_embedding / 37e9 - 1) < 0.03
    assert abs(count.total_params_with_mtp / 685e9 - 1) < 0.01
    assert count.spec.n_moe_layers == 58 and count.spec.n_dense_layers == 3


def test_deepseek_v3_matches_deepseeks_own_weight_breakdown():
    facts = moe.deepseek_v3_weight_facts()["params_b"]
    count = moe.count_bundled("DeepSeek-V3")
    # "36.6B (including 0.9B for the output Head)": within the published precision alone.
    assert moe.compare_with_published(
        count.active_params_excluding_embedding, facts["main model activated"], 0.0
    ).within
    assert moe.compare_with_published(count.mtp_params, facts["MTP module unique"], 0.01).within
    assert moe.compare_with_published(count.breakdown["lm_head"], facts["output head"], 0.0).within


def test_llama_405b_kv16_reupload_counts_the_duplicated_kv_heads():
    official = moe.count_bundled("Llama-3.1-405B")
    reupload = moe.count_bundled("Llama-3.1-405B.reupload-kv16")
    # 126 layers x (k and v) x 8 extra KV heads x head_dim 128 x hidden 16384.
    assert reupload.total_params - official.total_params == 126 * 2 * 8 * 128 * 16384
    table = moe.bundled_comparison_table().set_index("config")
    assert not table.loc["Llama-3.1-405B.reupload-kv16", "total_within"]
    assert table.loc["Llama-3.1-405B", "total_within"]


def test_comparison_table_lists_both_active_conventions():
    table = moe.bundled_comparison_table().set_index("config")
    assert table["describes_published"].sum() == len(table) - 1
    assert (table["active_excl_embedding_b"] <= table["active_incl_embedding_b"]).all()
    lite = table.loc["DeepSeek-V2-Lite.inference_schema"]
    # Only DeepSeek's convention reproduces the 2.4B (the embedding table alone is 0.21B).
    assert lite["active_basis"] == "excluding input embedding"
    assert not (lite["active_low_b"] <= lite["active_incl_embedding_b"] <= lite["active_high_b"])


def test_inference_schema_and_hf_schema_give_the_same_count():
    inference = load_model_config("DeepSeek-V2.inference_schema")
    hf = {
        "model_type": "deepseek_v2",
        "vocab_size": inference["vocab_size"],
        "hidden_size": inference["dim"],
        "intermediate_size": inference["inter_dim"],
        "moe_intermediate_size": inference["moe_inter_dim"],
        "num_hidden_layers": inference["n_layers"],
        "first_k_dense_replace": inference["n_dense_layers"],
        "num_attention_heads": inference["n_heads"],
        "n_routed_experts": inference["n_routed_experts"],
        "n_shared_experts": inference["n_shared_experts"],
        "num_experts_per_tok": inference["n_activated_experts"],
        "q_lora_rank": inference["q_lora_rank"] or None,
        "kv_lora_rank": inference["kv_lora_rank"],
        "qk_nope_head_dim": inference["qk_nope_head_dim"],
        "qk_rope_head_dim": inference["qk_rope_head_dim"],
        "v_head_dim": inference["v_head_dim"],
        "topk_method": "group_limited_greedy",
    }
    a, b = moe.count_params(inference), moe.count_params(hf)
    assert (a.total_params, a.active_params) == (b.total_params, b.active_params)


def test_v3_in_inference_schema_equals_hf_count():
    hf = load_model_config("DeepSeek-V3")
    inference = {
        "vocab_size": hf["vocab_size"],
        "dim": hf["hidden_size"],
        "inter_dim": hf["intermediate_size"],
        "moe_inter_dim": hf["moe_intermediate_size"],
        "n_layers": hf["num_hidden_layers"],
        "n_dense_layers": hf["first_k_dense_replace"],
        "n_heads": hf["num_attention_heads"],
        "n_routed_experts": hf["n_routed_experts"],
        "n_shared_experts": hf["n_shared_experts"],
        "n_activated_experts": hf["num_experts_per_tok"],
        "q_lora_rank": hf["q_lora_rank"],
        "kv_lora_rank": hf["kv_lora_rank"],
        "qk_nope_head_dim": hf["qk_nope_head_dim"],
        "qk_rope_head_dim": hf["qk_rope_head_dim"],
        "v_head_dim": hf["v_head_dim"],
    }
    count = moe.count_params(inference)
    assert count.family == "deepseek-inference"
    assert count.total_params == moe.count_bundled("DeepSeek-V3").total_params
    assert count.mtp_params == 0  # DeepSeek's inference code has no MTP module


# ---------------------------------------------------------------------------------------------
# Published-precision rule
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("published", "half_unit"),
    [("7", 0.5), (7.0, 0.5), ("46.7", 0.05), (15.7, 0.05), ("671", 0.5), ("2.40", 0.005)],
)
def test_published_precision(published, half_unit):
    assert moe.published_precision(published) == pytest.approx(half_unit)


def test_band_is_the_wider_of_precision_and_tolerance():
    # "7B" means 6.5-7.5B: 1% (0.07B) is narrower, so the precision wins.
    seven = moe.compare_with_published(6.6e9, "7", 0.01)
    assert (seven.low_b, seven.high_b, seven.within) == (6.5, 7.5, True)
    # "671B": 1% (6.71B) is wider than the half unit (0.5B).
    big = moe.compare_with_published(664.0e9, "671", 0.01)
    assert big.low_b == pytest.approx(664.29) and not big.within
    assert big.rel_diff == pytest.approx(664 / 671 - 1)


def test_published_precision_rejects_non_numbers():
    with pytest.raises(ParameterError, match="plain decimal"):
        moe.published_precision("about 7")


@given(
    units=st.integers(min_value=1, max_value=100_000),
    decimals=st.integers(min_value=0, max_value=2),
    tol_small=st.floats(min_value=0, max_value=0.05),
    extra=st.floats(min_value=0, max_value=0.05),
)
def test_band_contains_published_and_grows_with_tolerance(units, decimals, tol_small, extra):
    published = round(units / 10**decimals, decimals)  # as figures are published: "46.7", "671"
    narrow = moe.compare_with_published(published * 1e9, published, tol_small)
    wide = moe.compare_with_published(published * 1e9, published, tol_small + extra)
    assert narrow.within and wide.within
    assert wide.low_b <= narrow.low_b and wide.high_b >= narrow.high_b


# ---------------------------------------------------------------------------------------------
# Invariants of the counter
# ---------------------------------------------------------------------------------------------

deepseek_sizes = st.fixed_dictionaries(
    {
        "hidden_size": st.integers(2, 64),
        "num_hidden_layers": st.integers(1, 6),
        "num_attention_heads": st.integers(1, 8),
        "q_lora_rank": st.integers(0, 16),
        "kv_lora_rank": st.integers(1, 16),
        "qk_nope_head_dim": st.integers(1, 16),
        "qk_rope_head_dim": st.integers(0, 8),
        "v_head_dim": st.integers(1, 16),
        "moe_intermediate_size": st.integers(1, 32),
        "n_routed_experts": st.integers(2, 16),
        "n_shared_experts": st.integers(0, 2),
        "first_k_dense_replace": st.integers(0, 3),
    }
)


@settings(max_examples=60, deadline=None)
@given(sizes=deepseek_sizes, data=st.data())
def test_adding_an_expert_adds_exactly_one_expert_and_one_router_row(sizes, data):
    k = data.draw(st.integers(1, sizes["n_routed_experts"]))
    config = {**TINY_DEEPSEEK, **sizes, "num_experts_per_tok": k, "num_nextn_predict_layers": 0}
    before = moe.count_params(config)
    after = moe.count_params({**config, "n_routed_experts": sizes["n_routed_experts"] + 1})
    h, width = sizes["hidden_size"], sizes["moe_intermediate_size"]
    per_layer = 3 * h * width + h + 1  # expert weights + gate row + correction-bias entry
    assert after.total_params - before.total_params == before.spec.n_moe_layers * per_layer
    # Active grows only by the router (every token scores every expert), not by an expert.
    assert after.active_params - before.active_params == before.spec.n_moe_layers * (h + 1)
    assert before.active_params <= before.total_params
    assert sum(before.breakdown.values()) == before.total_params
    assert (
        0 < before.active_share_excluding_embedding < before.active_share_including_embedding <= 1
    )


@given(
    hidden_heads=st.integers(1, 8),
    head_dim=st.integers(1, 8),
    layers=st.integers(1, 4),
    kv_heads=st.integers(1, 8),
)
def test_each_extra_kv_head_adds_two_projections_per_layer(
    hidden_heads, head_dim, layers, kv_heads
):
    config = {
        **TINY_LLAMA,
        "hidden_size": hidden_heads * head_dim,
        "num_attention_heads": hidden_heads,
        "num_hidden_layers": layers,
        "num_key_value_heads": kv_heads,
    }
    more = moe.count_params({**config, "num_key_value_heads": kv_heads + 1})
    less = moe.count_params(config)
    assert (
        more.total_params - less.total_params == layers * 2 * (hidden_heads * head_dim) * head_dim
    )


def test_all_experts_active_makes_active_equal_total():
    dense = moe.with_all_experts_active(moe.count_bundled("DeepSeek-V3"))
    assert (
        dense.active_params == dense.total_params == moe.count_bundled("DeepSeek-V3").total_params
    )


def test_breakdown_frame_groups_sum_to_total_and_label_both_active_conventions():
    counts = [moe.count_bundled("DeepSeek-V3"), moe.count_bundled("Llama-3.1-8B-Instruct")]
    frame = moe.breakdown_frame(counts)
    groups = frame[["attention", "dense MLP", "experts", "embeddings"]].sum(axis=1)
    assert groups.to_numpy() == pytest.approx(frame["total"].to_numpy())
    v3, llama = frame.loc["DeepSeek-V3"], frame.loc["Llama-3.1-8B-Instruct"]
    assert v3["active share excl. embedding"] == pytest.approx(36.625618432 / 671.0264192)
    assert v3["active share incl. embedding"] == pytest.approx(37.552297472 / 671.0264192)
    assert llama["active share incl. embedding"] == 1.0  # a dense model uses every weight


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


def test_unknown_architecture_names_the_supported_ones():
    with pytest.raises(ConfigError) as excinfo:
        moe.count_params({"model_type": "gpt2", "n_embd": 768})
    message = str(excinfo.value)
    assert "'gpt2'" in message
    for family in moe.SUPPORTED_FAMILIES:
        assert family in message


def test_unrecognised_config_without_model_type_is_refused():
    with pytest.raises(ConfigError, match="Supported families"):
        moe.count_params({"hidden_size": 8})


def test_architecture_list_is_used_when_model_type_is_absent():
    config = {k: v for k, v in TINY_LLAMA.items() if k != "model_type"}
    config["architectures"] = ["LlamaForCausalLM"]
    assert moe.count_params(config).family == "llama"


def test_missing_size_key_is_named():
    config = {k: v for k, v in TINY_DEEPSEEK.items() if k != "kv_lora_rank"}
    with pytest.raises(ConfigError, match="'kv_lora_rank'"):
        moe.count_params(config)


def test_inference_schema_requires_every_size_key():
    config = dict(load_model_config("DeepSeek-V2-Lite.inference_schema"))
    del config["moe_inter_dim"]
    with pytest.raises(ConfigError, match="moe_inter_dim"):
        moe.count_params(config)


@pytest.mark.parametrize("bad", ["4096", 4096.0, True, -1])
def test_non_integer_sizes_are_refused(bad):
    with pytest.raises(ConfigError, match="non-negative integer"):
        moe.count_params({**TINY_LLAMA, "hidden_size": bad})


def test_more_experts_per_token_than_experts_is_refused():
    with pytest.raises(ConfigError, match="num_experts_per_tok"):
        moe.count_params({**TINY_DEEPSEEK, "num_experts_per_tok": 5})


def test_count_params_needs_a_dict():
    with pytest.raises(ConfigError, match="load_config"):
        moe.count_params("DeepSeek-V3.json")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# load_config / CLI helpers
# ---------------------------------------------------------------------------------------------


def test_load_config_missing_file(tmp_path):
    missing = tmp_path / "nope.json"
    with pytest.raises(ConfigError) as excinfo:
        moe.load_config(missing)
    assert str(missing) in str(excinfo.value) and "bundled" in str(excinfo.value)


def test_load_config_invalid_json_names_file_and_position(tmp_path):
    broken = tmp_path / "config.json"
    broken.write_text('{"hidden_size": 8,\n "vocab_size": }', encoding="utf-8")
    with pytest.raises(ConfigError) as excinfo:
        moe.load_config(broken)
    message = str(excinfo.value)
    assert str(broken) in message and "line 2" in message and "not valid JSON" in message


def test_load_config_rejects_non_object_and_binary(tmp_path):
    array = tmp_path / "list.json"
    array.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ConfigError, match="JSON list"):
        moe.load_config(array)
    binary = tmp_path / "weights.json"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(ConfigError, match="not UTF-8"):
        moe.load_config(binary)


def test_load_config_folder_and_bundled_name(tmp_path):
    folder = tmp_path / "tiny-llama"
    folder.mkdir()
    with pytest.raises(ConfigError, match=r"no config\.json"):
        moe.load_config(folder)
    (folder / "config.json").write_text(json.dumps(TINY_LLAMA), encoding="utf-8")
    assert moe.load_config(folder) == TINY_LLAMA
    assert moe.count_params_from_file(folder / "config.json").model == "tiny-llama"
    assert moe.load_config("DeepSeek-V3") == load_model_config("DeepSeek-V3")
    assert moe.count_params_from_file("DeepSeek-V3").model == "DeepSeek-V3"


def test_to_dict_is_json_ready_and_complete():
    count = moe.count_bundled("DeepSeek-V3")
    data = json.loads(json.dumps(count.to_dict()))
    assert data["model"] == "DeepSeek-V3"
    assert data["total_params"] == count.total_params
    assert data["active_params"] == count.active_params
    assert sum(data["breakdown"].values()) == count.total_params
    assert data["mtp_params"] == count.mtp_params
    assert data["architecture"]["kv_cache_elements_per_token"] == (512 + 64) * 61
    # The share is given on both conventions, each named; no unlabelled "active_share".
    assert "active_share" not in data
    # to_dict rounds shares to 6 decimals.
    assert data["active_share_excluding_embedding"] == pytest.approx(
        36.625618432 / 671.0264192, abs=1e-6
    )
    assert data["active_share_including_embedding"] == pytest.approx(
        37.552297472 / 671.0264192, abs=1e-6
    )


def test_format_param_table_shows_components_and_totals():
    count = moe.count_bundled("DeepSeek-V3")
    text = moe.format_param_table(count)
    assert f"{count.total_params:,}" in text and f"{count.active_params:,}" in text
    assert "routed_experts" in text and "MTP module" in text
    # Both active shares, each on the line that names its convention.
    lines = text.splitlines()
    excluding = next(line for line in lines if "excluding the input-embedding table" in line)
    including = next(line for line in lines if "including the embedding table" in line)
    assert f"{count.active_params_excluding_embedding:,}" in excluding and "5.46%" in excluding
    assert f"{count.active_params:,}" in including and "5.60%" in including
    assert sum("%" in line for line in lines) == 2
    dense_text = moe.format_param_table(moe.count_bundled("Llama-3.1-8B-Instruct"))
    assert "dense" in dense_text and "routed_experts" not in dense_text and "MTP" not in dense_text


# ---------------------------------------------------------------------------------------------
# KV cache and FLOPs per token (serving costs: tests/test_serving.py)
# ---------------------------------------------------------------------------------------------


def test_kv_cache_elements_known_answers():
    v3 = moe.count_bundled("DeepSeek-V3").spec
    assert moe.kv_cache_elements_per_token(v3) == (512 + 64) * 61 == 35_136
    assert moe.kv_cache_elements_per_token(v3, "mha") == 128 * (192 + 128) * 61
    llama = moe.count_bundled("Llama-3.1-405B").spec
    assert moe.kv_cache_elements_per_token(llama) == 2 * 8 * 128 * 126
    assert moe.kv_cache_elements_per_token(llama, "mha") == 2 * 128 * 128 * 126
    with pytest.raises(ParameterError, match="layout"):
        moe.kv_cache_elements_per_token(llama, "paged")


def test_forward_flops_is_two_n_plus_attention():
    count = moe.count_params(TINY_LLAMA)
    # Attention at L: 2 x layers x heads x L x (d_qk + d_v) = 2 x 2 x 4 x L x 4.
    assert moe.forward_flops_per_token(count, 0) == 2 * 1400
    assert moe.forward_flops_per_token(count, 10) == 2 * 1400 + 2 * 2 * 4 * 10 * 4
    frame = moe.flops_frame([count], [0, 10])
    assert list(frame[count.model]) == pytest.approx([2.8e-6, (2800 + 640) / 1e9])


# ---------------------------------------------------------------------------------------------
# API prices
# ---------------------------------------------------------------------------------------------


def test_api_prices_parsed_from_cost_estimates():
    prices = moe.api_prices().set_index(["model", "price_type"])["usd_per_million"]
    assert prices[("OpenAI o1", "output")] == 60.0
    assert prices[("OpenAI o1", "cache_hit_input")] == 7.5
    assert prices[("DeepSeek-R1 (deepseek-reasoner)", "input")] == 0.55
    assert prices[("DeepSeek-V3 (deepseek-chat)", "output")] == 1.10
    assert prices[("Claude 3.5 Sonnet", "output")] == 15.0


def test_price_ratios_and_blend():
    frame = moe.price_ratio_frame(
        ["OpenAI o1"], ["DeepSeek-R1 (deepseek-reasoner)"], input_share=0.75
    )
    row = frame.iloc[0]
    assert row["output"] == pytest.approx(60 / 2.19)
    assert row["input"] == pytest.approx(15 / 0.55)
    assert row["blend"] == pytest.approx((0.75 * 15 + 0.25 * 60) / (0.75 * 0.55 + 0.25 * 2.19))
    claude = moe.price_ratio_frame(["Claude 3.5 Sonnet"], ["DeepSeek-V3 (deepseek-chat)"]).iloc[0]
    assert np.isnan(claude["cache_hit_input"])  # no cached-input price in the data
    with pytest.raises(ParameterError, match="No API prices"):
        moe.price_ratio_frame(["Gemini"], ["OpenAI o1"])


# ---------------------------------------------------------------------------------------------
# verify_* for the scorecard
# ---------------------------------------------------------------------------------------------


def test_verify_total_params():
    m = moe.verify_total_params("DeepSeek-V3")
    assert isinstance(m, Measurement) and m.unit == "params"
    assert m.value == moe.count_bundled("DeepSeek-V3").total_params
    assert m.value > 600e9 and m.extra["within_published"] is True
    with_mtp = moe.verify_total_params("DeepSeek-V3", include_mtp=True)
    assert with_mtp.value == moe.count_bundled("DeepSeek-V3").total_params_with_mtp
    # Published names resolve to the config describing that architecture.
    assert moe.verify_total_params("Llama-3.1-405B").extra["config"] == "Llama-3.1-405B"
    with pytest.raises(ParameterError, match="No bundled config"):
        moe.verify_total_params("GPT-4")


def test_verify_active_params_and_share():
    count = moe.count_bundled("DeepSeek-V3")
    m = moe.verify_active_params("DeepSeek-V3")
    assert m.value == count.active_params_excluding_embedding
    assert m.bounds == (count.active_params_excluding_embedding, count.active_params)
    assert m.extra["convention"] == "excluding the input-embedding table"
    share = moe.verify_active_share("DeepSeek-V3")
    assert share.value == pytest.approx(100 * count.active_share_excluding_embedding)
    assert share.bounds == pytest.approx(
        (100 * count.active_share_excluding_embedding, 100 * count.active_share_including_embedding)
    )
    assert "excluding the input-embedding table" in share.basis
    # Mistral publishes its active count with the embedding table, so the share is on that basis.
    mixtral = moe.count_bundled("Mixtral-8x7B-Instruct-v0.1")
    mixtral_share = moe.verify_active_share("Mixtral-8x7B")
    assert mixtral_share.value == pytest.approx(100 * mixtral.active_share_including_embedding)
    assert mixtral_share.extra["convention"] == "including the embedding table"


def test_verify_api_price_ratio():
    m = moe.verify_api_price_ratio()
    assert m.value == pytest.approx(60 / 2.19) and m.unit == "x"
    assert m.bounds == pytest.approx((15 / 0.55, 60 / 2.19))
    assert moe.verify_api_price_ratio(basis="input").value == pytest.approx(15 / 0.55)
    with pytest.raises(ParameterError, match="basis"):
        moe.verify_api_price_ratio(basis="monthly")
