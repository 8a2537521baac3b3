"""BART (Lewis et al., 2019) in PyTorch with Hugging Face's parameter names, so that HF checkpoints load with
`load_state_dict(strict=True)` and our weights export to the layout transformers.js reads.

Post-LayerNorm encoder and decoder, learned positions offset by 2 (a fairseq legacy HF kept), `layernorm_embedding`,
an LM head tied to `model.shared` plus the `final_logits_bias` buffer. The key/value cache follows HF's legacy
order: one tuple per decoder layer of (self_key, self_value, cross_key, cross_value), each [B, heads, len, head_dim].
"""
import dataclasses
import math
from typing import Optional

import torch
from torch import nn
import torch.nn.functional as F

from .hf_config import check_model_type, known_fields

POSITION_OFFSET = 2  # BART's learned positions start at row 2 (fairseq reserved rows for padding)

ACTIVATIONS = {
    "gelu": lambda x: F.gelu(x),
    "gelu_new": lambda x: F.gelu(x, approximate="tanh"),
    "relu": F.relu,
    "silu": F.silu,
    "swish": F.silu,
}


@dataclasses.dataclass
class BartConfig:
    """HF BartConfig's architecture and generation fields (defaults are HF's, i.e. bart-large)."""
    vocab_size: int = 50265
    d_model: int = 1024
    encoder_layers: int = 12
    decoder_layers: int = 12
    encoder_attention_heads: int = 16
    decoder_attention_heads: int = 16
    encoder_ffn_dim: int = 4096
    decoder_ffn_dim: int = 4096
    max_position_embeddings: int = 1024
    scale_embedding: bool = False
    activation_function: str = "gelu"
    dropout: float = 0.1
    attention_dropout: float = 0.0
    activation_dropout: float = 0.0
    init_std: float = 0.02
    pad_token_id: int = 1
    bos_token_id: int = 0
    eos_token_id: int = 2
    decoder_start_token_id: int = 2
    forced_bos_token_id: Optional[int] = None
    forced_eos_token_id: Optional[int] = 2
    is_encoder_decoder: bool = True
    use_cache: bool = True

    def __post_init__(self):
        assert self.activation_function in ACTIVATIONS, f"activation_function {self.activation_function!r} unknown"
        for side in ("encoder", "decoder"):
            heads = getattr(self, f"{side}_attention_heads")
            assert self.d_model % heads == 0, f"d_model {self.d_model} not divisible by {side}_attention_heads {heads}"

    @classmethod
    def from_dict(cls, data):
        """From a HF config.json dict (or our own to_dict); refuses the old flags of BART variants we do not model."""
        check_model_type(data, "bart")
        for flag, expected in (("normalize_before", False), ("add_final_layer_norm", False),
                               ("normalize_embedding", True), ("static_position_embeddings", False),
                               ("add_bias_logits", False)):
            assert data.get(flag, expected) == expected, f"BART variant with {flag}={data[flag]} is not supported"
        return cls(**known_fields(cls, data))

    def to_dict(self):
        """A HF config.json dict for BartForConditionalGeneration."""
        out = dataclasses.asdict(self)
        out.update(model_type="bart", architectures=["BartForConditionalGeneration"],
                   num_hidden_layers=self.encoder_layers, tie_word_embeddings=True)
        return out


class BartAttention(nn.Module):
    """Multi-head attention with HF's q/k/v/out projections; the query is scaled before the product, as HF does."""

    def __init__(self, dim, heads, dropout):
        super().__init__()
        self.heads, self.head_dim, self.dropout = heads, dim // heads, dropout
        self.scaling = self.head_dim ** -0.5
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(dim, dim) for _ in range(4))

    def split(self, x):
        """[B, T, D] -> [B, heads, T, head_dim]."""
        return x.view(x.shape[0], -1, self.heads, self.head_dim).transpose(1, 2)

    def project_kv(self, x):
        """The keys and values of `x`, [B, heads, T, head_dim] each (cached as the layer's `present`)."""
        return self.split(self.k_proj(x)), self.split(self.v_proj(x))

    def forward(self, x, key, value, blocked=None, per_document=False):
        """Attends from x [B, T, D] to key/value [B, heads, S, head_dim]; `blocked` is a bool mask broadcastable
        to [B, heads, T, S], True where attention is not allowed.

        per_document: key/value (and `blocked`) have one row per document, [docs, ...], and x has R * docs rows,
        row r reading document r % docs (RAG-Token's beam-major rows). The queries of a document's R rows are
        stacked against its keys, so each document's keys and values are read once, not once per row."""
        q = self.split(self.q_proj(x) * self.scaling)
        if per_document:
            docs, length = key.shape[0], q.shape[2]
            # NOTE: [R*docs, heads, T, hd] -> [R, docs, heads, T, hd] -> [docs, heads, R*T, hd]
            q = q.reshape(-1, docs, self.heads, length, self.head_dim).permute(1, 2, 0, 3, 4) \
                .reshape(docs, self.heads, -1, self.head_dim)
        scores = q @ key.transpose(-1, -2)
        if blocked is not None:
            # NOTE: masked_fill rather than an additive mask: two additive finfo.min overflow to -inf and NaN.
            scores = scores.masked_fill(blocked, torch.finfo(scores.dtype).min)
        probs = F.dropout(scores.softmax(-1), self.dropout, self.training)
        out = probs @ value
        if per_document:
            # NOTE: [docs, heads, R*T, hd] -> [R, docs, heads, T, hd] -> back to [R*docs, heads, T, hd]
            out = out.reshape(docs, self.heads, -1, length, self.head_dim).permute(2, 0, 1, 3, 4) \
                .reshape(x.shape[0], self.heads, length, self.head_dim)
        out = out.transpose(1, 2).reshape(x.shape[0], -1, self.heads * self.head_dim)
        return self.out_proj(out)


class BartEncoderLayer(nn.Module):
    """Self-attention and feed-forward, each followed by dropout, the residual and a LayerNorm (post-LN)."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.self_attn = BartAttention(cfg.d_model, cfg.encoder_attention_heads, cfg.attention_dropout)
        self.self_attn_layer_norm = nn.LayerNorm(cfg.d_model)
        self.fc1 = nn.Linear(cfg.d_model, cfg.encoder_ffn_dim)
        self.fc2 = nn.Linear(cfg.encoder_ffn_dim, cfg.d_model)
        self.final_layer_norm = nn.LayerNorm(cfg.d_model)

    def forward(self, x, blocked):
        k, v = self.self_attn.project_kv(x)
        x = self.self_attn_layer_norm(x + F.dropout(self.self_attn(x, k, v, blocked), self.cfg.dropout, self.training))
        return self.final_layer_norm(x + feed_forward(self, x))


class BartDecoderLayer(nn.Module):
    """Causal self-attention, cross-attention to the encoder, feed-forward; post-LN like the encoder."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.self_attn = BartAttention(cfg.d_model, cfg.decoder_attention_heads, cfg.attention_dropout)
        self.self_attn_layer_norm = nn.LayerNorm(cfg.d_model)
        self.encoder_attn = BartAttention(cfg.d_model, cfg.decoder_attention_heads, cfg.attention_dropout)
        self.encoder_attn_layer_norm = nn.LayerNorm(cfg.d_model)
        self.fc1 = nn.Linear(cfg.d_model, cfg.decoder_ffn_dim)
        self.fc2 = nn.Linear(cfg.decoder_ffn_dim, cfg.d_model)
        self.final_layer_norm = nn.LayerNorm(cfg.d_model)

    def forward(self, x, encoder_hidden_states, causal_blocked, cross_blocked, past=None, per_document=False):
        """Returns (x, present) with present = (self_key, self_value, cross_key, cross_value); per_document: see
        BartAttention.forward (the cross-attention keys/values then have one row per document)."""
        self_k, self_v = self.self_attn.project_kv(x)
        if past is not None:
            self_k, self_v = torch.cat([past[0], self_k], dim=2), torch.cat([past[1], self_v], dim=2)
            cross_k, cross_v = past[2], past[3]  # the encoder's keys/values do not change between steps
        else:
            cross_k, cross_v = self.encoder_attn.project_kv(encoder_hidden_states)
        drop = self.cfg.dropout
        h = self.self_attn(x, self_k, self_v, causal_blocked)
        x = self.self_attn_layer_norm(x + F.dropout(h, drop, self.training))
        h = self.encoder_attn(x, cross_k, cross_v, cross_blocked, per_document)
        x = self.encoder_attn_layer_norm(x + F.dropout(h, drop, self.training))
        return self.final_layer_norm(x + feed_forward(self, x)), (self_k, self_v, cross_k, cross_v)


def feed_forward(layer, x):
    """fc1, activation, fc2 with BART's two dropouts (after the activation and after fc2)."""
    cfg = layer.cfg
    h = F.dropout(ACTIVATIONS[cfg.activation_function](layer.fc1(x)), cfg.activation_dropout, layer.training)
    return F.dropout(layer.fc2(h), cfg.dropout, layer.training)


class BartStack(nn.Module):
    """What encoder and decoder share: token embeddings (the shared table), learned positions, layernorm_embedding."""

    def __init__(self, cfg, shared, layers):
        super().__init__()
        self.cfg = cfg
        self.embed_tokens = shared
        self.embed_positions = nn.Embedding(cfg.max_position_embeddings + POSITION_OFFSET, cfg.d_model)
        self.layers = nn.ModuleList(layers)
        self.layernorm_embedding = nn.LayerNorm(cfg.d_model)
        self.embed_scale = math.sqrt(cfg.d_model) if cfg.scale_embedding else 1.0

    def embed(self, ids, past_length=0):
        """Token embeddings (scaled when scale_embedding) plus positions past_length.., normalized, dropped out."""
        positions = torch.arange(ids.shape[1], device=ids.device) + past_length + POSITION_OFFSET
        x = self.embed_tokens(ids) * self.embed_scale + self.embed_positions(positions)[None]
        return F.dropout(self.layernorm_embedding(x), self.cfg.dropout, self.training)


class BartEncoder(BartStack):
    """Bidirectional encoder; padding keys (attention_mask 0) are masked out."""

    def __init__(self, cfg, shared):
        super().__init__(cfg, shared, [BartEncoderLayer(cfg) for _ in range(cfg.encoder_layers)])

    def forward(self, input_ids, attention_mask):
        x = self.embed(input_ids)
        blocked = attention_mask[:, None, None, :] == 0  # NOTE: [B, 1, 1, S], broadcast over heads and queries
        for layer in self.layers:
            x = layer(x, blocked)
        return x


class BartDecoder(BartStack):
    """Causal decoder with cross-attention; with `past` only the new tokens are fed."""

    def __init__(self, cfg, shared):
        super().__init__(cfg, shared, [BartDecoderLayer(cfg) for _ in range(cfg.decoder_layers)])

    def forward(self, input_ids, encoder_hidden_states, encoder_attention_mask, past=None, per_document=False):
        past_length = past[0][0].shape[2] if past is not None else 0
        x = self.embed(input_ids, past_length)
        # Query t (at absolute position past_length + t) may see keys 0..past_length + t.
        query_pos = torch.arange(input_ids.shape[1], device=x.device) + past_length
        key_pos = torch.arange(input_ids.shape[1] + past_length, device=x.device)
        causal_blocked = key_pos[None, :] > query_pos[:, None]
        cross_blocked = encoder_attention_mask[:, None, None, :] == 0
        present = []
        for i, layer in enumerate(self.layers):
            x, layer_present = layer(x, encoder_hidden_states, causal_blocked, cross_blocked,
                                     None if past is None else past[i], per_document)
            present.append(layer_present)
        return x, tuple(present)


class BartModel(nn.Module):
    """HF's `model.` prefix: the shared embedding table, the encoder and the decoder."""

    def __init__(self, cfg):
        super().__init__()
        self.shared = nn.Embedding(cfg.vocab_size, cfg.d_model, cfg.pad_token_id)
        self.encoder = BartEncoder(cfg, self.shared)
        self.decoder = BartDecoder(cfg, self.shared)


class BartForConditionalGeneration(nn.Module):
    """BART with its LM head; `encode` once, then `decode` step by step with the cache, or `forward` for training."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.model = BartModel(config)
        self.lm_head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        self.lm_head.weight = self.model.shared.weight  # tied, as in every BART checkpoint
        self.register_buffer("final_logits_bias", torch.zeros(1, config.vocab_size))
        self.apply(self._init_weights)

    def _init_weights(self, module):
        """HF's initialization: normal(0, init_std) weights, zero biases, a zero padding row."""
        std = self.config.init_std
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, 0.0, std)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, 0.0, std)
            if module.padding_idx is not None:
                with torch.no_grad():
                    module.weight[module.padding_idx].zero_()

    def encode(self, input_ids, attention_mask):
        """input_ids, attention_mask [B, S] -> encoder_hidden_states [B, S, D]."""
        assert input_ids.shape == attention_mask.shape, f"input_ids {input_ids.shape} vs mask {attention_mask.shape}"
        return self.model.encoder(input_ids, attention_mask)

    def decode(self, decoder_input_ids, encoder_hidden_states, encoder_attention_mask, past_key_values=None,
               use_cache=False, per_document=False):
        """-> (logits [B, T, V], present or None). With past_key_values, decoder_input_ids are only the new tokens.
        per_document: the encoder states, mask and cross-attention cache have one row per document and the B
        decoder rows are R * docs, row r reading document r % docs (BartAttention.forward)."""
        assert encoder_hidden_states.shape[:2] == encoder_attention_mask.shape, \
            f"encoder states {encoder_hidden_states.shape} vs mask {encoder_attention_mask.shape}"
        docs = encoder_attention_mask.shape[0]
        assert not per_document or decoder_input_ids.shape[0] % docs == 0, \
            f"{decoder_input_ids.shape[0]} decoder rows are not a multiple of {docs} documents"
        x, present = self.model.decoder(decoder_input_ids, encoder_hidden_states, encoder_attention_mask,
                                        past_key_values, per_document)
        logits = self.lm_head(x) + self.final_logits_bias
        return logits, (present if use_cache else None)

    def forward(self, input_ids, attention_mask, decoder_input_ids):
        """Training forward without a cache: logits [B, T, V] for teacher-forced decoder_input_ids."""
        hidden = self.encode(input_ids, attention_mask)
        return self.decode(decoder_input_ids, hidden, attention_mask)[0]


def shift_tokens_right(labels, pad_token_id, decoder_start_token_id):
    """Decoder inputs for teacher forcing: the start token, then labels without their last token (-100 -> pad)."""
    shifted = labels.new_full(labels.shape, pad_token_id)
    shifted[:, 1:] = labels[:, :-1]
    shifted[:, 0] = decoder_start_token_id
    return shifted.masked_fill(shifted == -100, pad_token_id)


def tie_bart_weights(state):
    """Fills the tied entries a HF checkpoint may omit (safetensors drops duplicates) from `model.shared.weight`,
    and the `final_logits_bias` buffer when absent (zeros), so the state dict loads strictly."""
    state = dict(state)
    shared = state.get("model.shared.weight")
    if shared is None:
        shared = state.get("model.encoder.embed_tokens.weight", state.get("lm_head.weight"))
        assert shared is not None, "BART state dict has no shared embedding (model.shared.weight)"
    for key in ("model.shared.weight", "model.encoder.embed_tokens.weight", "model.decoder.embed_tokens.weight",
                "lm_head.weight"):
        state.setdefault(key, shared)
    state.setdefault("final_logits_bias", torch.zeros(1, shared.shape[0], dtype=shared.dtype))
    return state
