import json

from rag.lexical import LexicalIndex
from rag.terms import TERMS_VERSION, terms


def test_inflections_meet_and_function_words_go():
    assert terms("The delegations talked") == terms("a delegation talks")
    assert terms("Officials said they were elected") == terms("official elections")
    assert terms("What did she say about it, and when?") == []


def test_abbreviations_numbers_and_accents_survive():
    assert terms("U.S. troops: 9 of them") == ["us", "troop", "9"]
    assert terms("Zelenskyy’s aide in Bogotá") == terms("zelenskyy aide bogota")
    assert terms("COVID-19 cases") == ["covid-19", "case"]


def test_lexical_cache_made_with_other_terms_is_rebuilt(make_service, seed_copy):
    service = make_service()
    service.index([seed_copy])
    lexical_dir = service.settings.index_dir / "lexical"
    pointer = lexical_dir / "current.json"
    generation = json.loads(pointer.read_text())["generation"]
    # What the code before TERMS_VERSION wrote: the same generation, tokens made another way.
    pointer.write_text(json.dumps({"generation": generation}))
    assert LexicalIndex.load(lexical_dir) is None

    reopened = make_service()
    assert reopened.corpus.lexical.generation == generation
    assert json.loads(pointer.read_text()) == {"generation": generation, "terms": TERMS_VERSION}
    assert reopened.retrieve("Who led the Russian delegation in Abu Dhabi?", top_k=1)
