"""Training on world data with transformers' Trainer, offline on the CPU.

    classify.py  fine-tune a BERT-family encoder to label text (SST-2 style), and predict with it
    mlm.py       domain-adaptive masked-LM (and next-sentence) pretraining on world text
    sft.py       LoRA fine-tuning (peft) of a chat model on chat JSONL: adapter and merged model
    gguf_export.py  the fine-tune as a GGUF for llama.cpp (the base GGUF with the adapted tensors patched)
    dialogues.py bilingual persona dialogues generated from a world (facts in, in-character replies out)
    export.py    training sets from a world's store (`llmverse data export`)
    corpus.py    world text: world file entities, the event log, extra text files
    data.py      labelled CSV/TSV/JSONL, checked before training
    card.py      the run card saved beside every trained model
    runtime.py   offline mode, threads, model directories, publishing the final model
    callbacks.py rich progress bar, Ctrl-C checkpointing, step timing
    cli.py       `llmverse train classify|mlm|sft|dialogues` and `llmverse predict`

torch and transformers are imported inside functions: importing this package costs nothing.
"""
