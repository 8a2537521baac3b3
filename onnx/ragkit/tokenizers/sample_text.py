"""A small built-in corpus for tests and fixtures: deterministic pseudo-sentences over a mixed vocabulary (English
words, numbers, punctuation, accented Latin, Greek, Cyrillic, CJK, emoji), so that tokenizers train in a second
without any data file and still meet the characters real text holds."""
import random

WORDS = ("the of and to in is was for on that with as by at from his an were are which this be has or had it not "
         "first after its new who they have her she two been other when there all during into school time may "
         "years more most only over city some world would where later up such used many can state about national "
         "out known university united then made computer language program data system network protocol memory "
         "Paris London Berlin Einstein Newton Darwin Curie Turing Lovelace Shakespeare Mozart Beethoven Amazon "
         "Nile Everest Pacific Atlantic photosynthesis mitochondria electron quantum relativity algorithm "
         "isn't don't we're they've I'm it's o'clock rock-and-roll e-mail U.S. Dr. Mr. etc. "
         "café naïve résumé façade über Straße señor São Zürich Ångström crème brûlée "
         "Αθήνα λόγος Москва книга 東京 北京 漢字 日本語 한국어 😀 🚀 ✓ € £ ¥ ° ± × ÷ — – … « » ¿ ¡").split()
PUNCT = [",", ".", ";", ":", "!", "?", "(", ")", "\"", "'", "-", "/", "%", "&", "#", "@", "$", "+", "=", "*"]


def sample_corpus(n_lines=2000, seed=0):
    """n_lines deterministic pseudo-sentences."""
    rng = random.Random(seed)
    lines = []
    for _ in range(n_lines):
        parts = []
        for _ in range(rng.randint(3, 25)):
            r = rng.random()
            if r < 0.08:
                parts.append(str(rng.randint(0, 10 ** rng.randint(1, 7))))
            elif r < 0.14:
                parts.append(rng.choice(PUNCT))
            else:
                word = rng.choice(WORDS)
                parts.append(word.capitalize() if rng.random() < 0.1 else word)
        lines.append(" ".join(parts))
    return lines
