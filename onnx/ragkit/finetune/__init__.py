"""Fine-tuning a served bundle on a user's corpus and questions: `python3 -m ragkit.finetune` (command.py)."""
