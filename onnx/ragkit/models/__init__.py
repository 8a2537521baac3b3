"""Hugging Face-compatible model architectures in PyTorch (BART generator, DPR encoders), their config.json files
and checkpoint weights (safetensors / pytorch_model.bin)."""
from .bart import BartConfig, BartForConditionalGeneration, shift_tokens_right, tie_bart_weights
from .checkpoint_io import load_weights, read_safetensors, save_weights, write_safetensors
from .dpr import DprConfig, DprEncoder, clean_dpr_state_dict
from .hf_config import read_config_json, write_config_json

__all__ = ["BartConfig", "BartForConditionalGeneration", "shift_tokens_right", "tie_bart_weights", "load_weights",
           "read_safetensors", "save_weights", "write_safetensors", "DprConfig", "DprEncoder",
           "clean_dpr_state_dict", "read_config_json", "write_config_json"]
