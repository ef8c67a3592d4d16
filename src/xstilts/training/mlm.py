"""Masked-language-model batches, for the paper's alternative: MLM on multilingual text as an
auxiliary loss during intermediate training (BERT's 80/10/10 corruption of 15% of pieces)."""

from __future__ import annotations

import torch


def mask_tokens(
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    special_ids: set[int],
    mask_id: int,
    vocab_size: int,
    generator: torch.Generator,
    probability: float = 0.15,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (corrupted input ids, labels with -100 at unmasked positions).

    Not ``DataCollatorForLanguageModeling.torch_mask_tokens``: that one needs the tokenizer inside
    the training loop (to rebuild the special-token mask of batches the engine has already
    collated), draws random replacements from the whole vocabulary (special pieces included) and
    can leave a short message with no target (15% of ~15 pieces: ~9% of rows), which this
    guarantees against; the 80/10/10 rule is the same.
    """
    labels = input_ids.clone()
    candidates = attention_mask.bool().clone()
    for special in special_ids:
        candidates &= input_ids != special
    chosen = (torch.rand(input_ids.shape, generator=generator) < probability) & candidates
    # Guarantee at least one target per row that has any maskable piece.
    for row in range(input_ids.shape[0]):
        if not chosen[row].any() and candidates[row].any():
            positions = candidates[row].nonzero().flatten()
            pick = positions[torch.randint(len(positions), (1,), generator=generator)]
            chosen[row, pick] = True
    labels[~chosen] = -100
    corrupted = input_ids.clone()
    draw = torch.rand(input_ids.shape, generator=generator)
    corrupted[chosen & (draw < 0.8)] = mask_id
    random_rows = chosen & (draw >= 0.8) & (draw < 0.9)
    corrupted[random_rows] = torch.randint(vocab_size, (int(random_rows.sum()),), generator=generator)
    return corrupted, labels
