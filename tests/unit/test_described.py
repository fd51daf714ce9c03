"""Who a prompt's subject describes, from the words it shares with people's descriptions."""
from workbench.safety.described import DescribedPeople, is_plural_or_local, subject

PEOPLE = DescribedPeople([
    ["the actor who played Captain Picard in Star Trek", "the actor who played Professor X in the X-Men films"],
    ["the actor who played Gandalf in The Lord of the Rings", "the actor who played Magneto in the X-Men films"],
    ["the singer of Wonderwall in Oasis"],
])


def test_the_subject_ends_at_the_main_verb_not_at_a_word_in_ing_that_is_not_one():
    assert subject("the actor who played Professor X reading a sonnet aloud") == "the actor who played Professor X"
    assert subject("clip of the homemaking mogul who served time arranging peonies") == (
        "clip of the homemaking mogul who served time")
    assert subject("the YouTuber famous for making slime eating cereal") == "the YouTuber famous for making slime"
    assert subject("Manchester United's leading scorer scoring a goal") == "Manchester United's leading scorer"
    assert subject("a castle at night") == "a castle at night"


def test_rare_shared_words_weigh_most_and_the_lead_is_over_the_next_person():
    stewart = PEOPLE.evidence("the actor who played Picard and Professor X")
    assert stewart.person == 0 and "picard" in stewart.terms and "professor x" in stewart.terms
    assert stewart.lead > 0 and stewart.weight > stewart.lead  # "x men" is also in the second person's
    shared = PEOPLE.evidence("the actor from the X-Men films")
    assert shared.lead == 0  # words both actors' descriptions hold name neither
    assert PEOPLE.evidence("a bowl of soup") is None


def test_a_person_noun_comes_from_the_descriptions_or_a_who():
    assert "actor" in PEOPLE.person_nouns and "singer" not in PEOPLE.person_nouns  # "singer of", not "singer who"
    assert PEOPLE.names_a_person("the guy in the bow tie") and PEOPLE.names_a_person("the one who barks")
    assert PEOPLE.is_a_thing("the Wheel of Fortune wheel") and PEOPLE.is_a_thing("a copy of Kafka on the Shore")
    assert not PEOPLE.is_a_thing("Drake") and not PEOPLE.is_a_thing("the actor who played Picard")
    assert PEOPLE.is_a_thing("the Eras Tour singer's ragdoll cat")  # the singer owns it
    assert not PEOPLE.is_a_thing("a video of India's first president")  # the video shows him
    assert not PEOPLE.is_a_thing("the Spurs and Warriors head coach")  # "and" joins, it does not end the phrase


def test_some_people_or_someone_the_author_knows_is_nobody_famous():
    assert is_plural_or_local("wedding guests") and is_plural_or_local("protesters in red cloaks")
    assert is_plural_or_local("the king of clay at our local tennis club")
    assert is_plural_or_local("the mayor of a small town who is actually a ginger cat")
    assert not is_plural_or_local("the actress") and not is_plural_or_local("Coldplay's frontman")
    assert not is_plural_or_local("the Science Guy in his bow tie")
