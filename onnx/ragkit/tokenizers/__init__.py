"""Hugging Face-format tokenizers without the `tokenizers` package: trainers (byte-level BPE for BART, uncased
WordPiece for DPR), converters of real checkpoints' vocabulary files, and Python encoders of tokenizer.json."""
from .encoders import ByteLevelBPETokenizer, WordPieceTokenizer, load_tokenizer
from .tokenizer_json import convert_bart_vocab, convert_bert_vocab
from .trainers import train_bpe, train_wordpiece

__all__ = ["train_bpe", "train_wordpiece", "load_tokenizer", "convert_bert_vocab", "convert_bart_vocab",
           "ByteLevelBPETokenizer", "WordPieceTokenizer"]
