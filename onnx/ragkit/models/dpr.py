"""DPR encoders (Karpukhin et al., 2020) in PyTorch with Hugging Face's parameter names: a BERT without the tanh
pooler whose [CLS] hidden state (through `encode_proj` when projection_dim > 0) is the embedding.

State dicts match HF's DPRQuestionEncoder (`question_encoder.bert_model.…`) and DPRContextEncoder
(`ctx_encoder.bert_model.…`), so HF checkpoints load with `load_state_dict(strict=True)`."""
import dataclasses

import torch
from torch import nn

from .bart import ACTIVATIONS
from .hf_config import check_model_type, known_fields

KINDS = {"question": ("question_encoder", "DPRQuestionEncoder"), "ctx": ("ctx_encoder", "DPRContextEncoder")}


@dataclasses.dataclass
class DprConfig:
    """HF DPRConfig's fields (defaults are HF's, i.e. BERT-base)."""
    vocab_size: int = 30522
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    hidden_act: str = "gelu"
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    initializer_range: float = 0.02
    layer_norm_eps: float = 1e-12
    pad_token_id: int = 0
    projection_dim: int = 0

    def __post_init__(self):
        assert self.hidden_act in ACTIVATIONS, f"hidden_act {self.hidden_act!r} unknown"
        assert self.hidden_size % self.num_attention_heads == 0, \
            f"hidden_size {self.hidden_size} not divisible by num_attention_heads {self.num_attention_heads}"

    @classmethod
    def from_dict(cls, data):
        """From a HF config.json dict (a DPR or plain BERT config) or our own to_dict."""
        if data.get("model_type") != "bert":
            check_model_type(data, "dpr")
        assert data.get("position_embedding_type", "absolute") == "absolute", "only absolute positions are supported"
        return cls(**known_fields(cls, data))

    def to_dict(self, kind=None):
        """A HF config.json dict; `kind` ("question"/"ctx") names the architecture transformers would load."""
        out = dataclasses.asdict(self)
        out.update(model_type="dpr", position_embedding_type="absolute")
        if kind is not None:
            out["architectures"] = [KINDS[kind][1]]
        return out

    @property
    def output_dim(self):
        """The size of the pooled embedding."""
        return self.projection_dim or self.hidden_size


class BertEmbeddings(nn.Module):
    """Word + absolute position + token type embeddings, then LayerNorm and dropout."""

    def __init__(self, cfg):
        super().__init__()
        self.word_embeddings = nn.Embedding(cfg.vocab_size, cfg.hidden_size, cfg.pad_token_id)
        self.position_embeddings = nn.Embedding(cfg.max_position_embeddings, cfg.hidden_size)
        self.token_type_embeddings = nn.Embedding(cfg.type_vocab_size, cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.dropout = nn.Dropout(cfg.hidden_dropout_prob)

    def forward(self, input_ids, token_type_ids):
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)[None]
        x = self.word_embeddings(input_ids) + self.position_embeddings(positions) + \
            self.token_type_embeddings(token_type_ids)
        return self.dropout(self.LayerNorm(x))


class BertSelfAttention(nn.Module):
    """HF's `attention.self`: query/key/value projections, scaled dot product, masked padding keys."""

    def __init__(self, cfg):
        super().__init__()
        self.heads, self.head_dim = cfg.num_attention_heads, cfg.hidden_size // cfg.num_attention_heads
        self.query, self.key, self.value = (nn.Linear(cfg.hidden_size, cfg.hidden_size) for _ in range(3))
        self.dropout = nn.Dropout(cfg.attention_probs_dropout_prob)

    def forward(self, x, blocked):
        def split(t):
            return t.view(t.shape[0], -1, self.heads, self.head_dim).transpose(1, 2)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = (q @ k.transpose(-1, -2)) / (self.head_dim ** 0.5)
        scores = scores.masked_fill(blocked, torch.finfo(scores.dtype).min)
        out = self.dropout(scores.softmax(-1)) @ v
        return out.transpose(1, 2).reshape(x.shape[0], -1, self.heads * self.head_dim)


class BertResidualOutput(nn.Module):
    """HF's `…output`: dense, dropout, residual add, LayerNorm (post-LN)."""

    def __init__(self, cfg, in_size):
        super().__init__()
        self.dense = nn.Linear(in_size, cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.dropout = nn.Dropout(cfg.hidden_dropout_prob)

    def forward(self, h, residual):
        return self.LayerNorm(self.dropout(self.dense(h)) + residual)


class BertAttention(nn.Module):
    """HF's `attention`: `self` and `output`."""

    def __init__(self, cfg):
        super().__init__()
        self.self = BertSelfAttention(cfg)
        self.output = BertResidualOutput(cfg, cfg.hidden_size)

    def forward(self, x, blocked):
        return self.output(self.self(x, blocked), x)


class BertIntermediate(nn.Module):
    """HF's `intermediate`: dense and activation."""

    def __init__(self, cfg):
        super().__init__()
        self.dense = nn.Linear(cfg.hidden_size, cfg.intermediate_size)
        self.act = ACTIVATIONS[cfg.hidden_act]

    def forward(self, x):
        return self.act(self.dense(x))


class BertLayer(nn.Module):
    """One post-LN transformer layer with HF's names."""

    def __init__(self, cfg):
        super().__init__()
        self.attention = BertAttention(cfg)
        self.intermediate = BertIntermediate(cfg)
        self.output = BertResidualOutput(cfg, cfg.intermediate_size)

    def forward(self, x, blocked):
        x = self.attention(x, blocked)
        return self.output(self.intermediate(x), x)


class BertEncoderStack(nn.Module):
    """HF's `encoder` holding `layer.{i}`."""

    def __init__(self, cfg):
        super().__init__()
        self.layer = nn.ModuleList(BertLayer(cfg) for _ in range(cfg.num_hidden_layers))


class BertModel(nn.Module):
    """BERT without a pooler (DPR builds `BertModel(config, add_pooling_layer=False)`)."""

    def __init__(self, cfg):
        super().__init__()
        self.embeddings = BertEmbeddings(cfg)
        self.encoder = BertEncoderStack(cfg)

    def forward(self, input_ids, attention_mask, token_type_ids):
        x = self.embeddings(input_ids, token_type_ids)
        blocked = attention_mask[:, None, None, :] == 0  # NOTE: [B, 1, 1, S], broadcast over heads and queries
        for layer in self.encoder.layer:
            x = layer(x, blocked)
        return x


class DprBertEncoder(nn.Module):
    """HF's DPREncoder: `bert_model` and, when projection_dim > 0, `encode_proj`."""

    def __init__(self, cfg):
        super().__init__()
        self.bert_model = BertModel(cfg)
        if cfg.projection_dim > 0:
            self.encode_proj = nn.Linear(cfg.hidden_size, cfg.projection_dim)

    def forward(self, input_ids, attention_mask, token_type_ids):
        pooled = self.bert_model(input_ids, attention_mask, token_type_ids)[:, 0]
        return self.encode_proj(pooled) if hasattr(self, "encode_proj") else pooled


class DprEncoder(nn.Module):
    """A DPR question ("question") or passage ("ctx") encoder: (input_ids, attention_mask[, token_type_ids])
    -> pooled [B, dim], the [CLS] hidden state."""

    def __init__(self, config, kind):
        super().__init__()
        assert kind in KINDS, f"kind must be one of {sorted(KINDS)}, got {kind!r}"
        self.config, self.kind = config, kind
        self.prefix = KINDS[kind][0]
        setattr(self, self.prefix, DprBertEncoder(config))
        self.apply(self._init_weights)

    def _init_weights(self, module):
        """HF's BERT initialization: normal(0, initializer_range), zero biases, a zero padding row."""
        std = self.config.initializer_range
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, 0.0, std)
            if isinstance(module, nn.Linear) and module.bias is not None:
                nn.init.zeros_(module.bias)
            if isinstance(module, nn.Embedding) and module.padding_idx is not None:
                with torch.no_grad():
                    module.weight[module.padding_idx].zero_()

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        assert input_ids.shape == attention_mask.shape, f"input_ids {input_ids.shape} vs mask {attention_mask.shape}"
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        return getattr(self, self.prefix)(input_ids, attention_mask, token_type_ids)


def clean_dpr_state_dict(state):
    """Drops entries HF checkpoints may carry that the architecture does not use: the `position_ids` buffer (saved
    by transformers before 4.31) and an unused BERT pooler."""
    return {k: v for k, v in state.items()
            if not k.endswith("embeddings.position_ids") and ".bert_model.pooler." not in k}
