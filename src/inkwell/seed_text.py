"""What the demo data says: people's names, titles and Markdown bodies that read like a blog.

Everything is drawn from small hand-written pools by a seeded `random.Random`, so a million
posts cost no more thought than ten: names are unique by construction (a person's index
picks a first name, a last name and, past the pairs, a number), titles combine templates
with topics, and a post's body is one of a few hundred made once and rendered once.
"""

import random

FIRST_NAMES = (
    "ada", "alan", "barbara", "brian", "claude", "dennis", "donald", "edsger", "frances",
    "grace", "guido", "hedy", "ivan", "jean", "john", "ken", "leslie", "linus", "margaret",
    "niklaus", "radia", "rasmus", "richard", "rob", "sophie", "tim", "yukihiro", "anita",
    "bjarne", "carol", "david", "elena", "fatima", "gustavo", "hannah", "ines", "jamal",
    "kiri", "lena", "mateo", "nadia", "oskar", "priya", "quentin", "rosa", "samir", "tomas",
    "uma", "vera", "wen", "xavier", "yara", "zoe", "amara", "bruno", "chiara", "dmitri",
    "emeka", "freya", "goran", "hiro", "imani", "jonas", "kalani", "luca", "mei", "noor",
    "olu", "paola", "rafael", "sana", "teodor", "ulla", "valentin", "wanjiru", "yusuf",
)  # fmt: skip
LAST_NAMES = (
    "lovelace", "turing", "liskov", "kernighan", "shannon", "ritchie", "knuth", "dijkstra",
    "allen", "hopper", "rossum", "lamarr", "sutherland", "sammet", "mccarthy", "thompson",
    "lamport", "torvalds", "hamilton", "wirth", "perlman", "lerdorf", "stallman", "pike",
    "wilson", "berners", "matsumoto", "borg", "stroustrup", "shaw", "clark", "petrova",
    "haddad", "silva", "berg", "moreau", "okafor", "nakamura", "kowalski", "novak", "rossi",
    "garcia", "ibrahim", "jensen", "kaur", "larsen", "mendes", "nguyen", "olsen", "park",
    "quinn", "reyes", "sato", "tanaka", "urquhart", "varga", "weber", "xu", "yilmaz", "zhou",
)  # fmt: skip
_BIO_ROLES = (
    "Backend developer", "Database person", "Writes Python for a living", "Site reliability",
    "Teaches programming", "Open-source maintainer", "Frontend and accessibility",
    "Data engineer", "Security researcher", "Engineering manager", "Student",
)  # fmt: skip
_BIO_INTERESTS = (
    "slow queries and fast tests", "async Python", "PostgreSQL internals", "SQLite on the edge",
    "type systems", "technical writing", "performance work", "the web platform",
    "distributed systems", "mentoring new developers", "reading old papers",
)  # fmt: skip
_BIO_EXTRAS = (
    "Coffee first.", "Opinions are my own.", "Mostly harmless.", "Writing about what I break.",
    "Currently learning Rust.", "Lives by a lake.", "Cycles to work.", "",
)  # fmt: skip
# One person in this many has a bio.
BIO_EVERY = 7

TOPICS = (
    "Python", "async code", "PostgreSQL", "SQLite", "indexes", "migrations", "FastAPI",
    "Pydantic", "type hints", "code review", "testing", "caching", "connection pools",
    "deployments", "Markdown", "full-text search", "pagination", "background jobs",
    "logging", "observability", "rate limiting", "password hashing", "Docker", "HTTP caching",
    "accessibility", "CSS", "technical debt", "on-call", "documentation", "benchmarks",
)  # fmt: skip
_TITLE_TEMPLATES = (
    "What I learned about {topic} this year",
    "A gentle introduction to {topic}",
    "Why {topic} is harder than it looks",
    "{topic} in production: notes from the field",
    "The one thing I wish I had known about {topic}",
    "Stop worrying about {topic}",
    "{topic}, explained with a cup of tea",
    "How we cut our latency in half with {topic}",
    "A year of {topic} at a small company",
    "Debugging {topic} at three in the morning",
    "{topic} and {other}: a love story",
    "When {topic} meets {other}",
    "Five mistakes I made with {topic}",
    "Is {topic} worth it? An honest review",
    "Notes on {topic} for beginners",
    "Rethinking {topic}",
    "The quiet power of {topic}",
    "Lessons from migrating to {topic}",
    "{topic} without the hype",
    "Teaching {topic} to my team",
)
_OPENINGS = (
    "I have been meaning to write this down for a while. Last month our team spent a week "
    "on {topic}, and most of what we learned was not in the documentation.",
    "This started as a conversation over lunch. Someone asked why {topic} kept coming up in "
    "our retrospectives, and nobody had a short answer.",
    "If you have worked with {topic} for more than a few weeks, you have probably hit the "
    "same wall I did. Here is how we got over it.",
    "There is a lot of advice about {topic} online, and much of it contradicts itself. "
    "These are the parts that held up when we tried them.",
    "A reader wrote in after my last post and asked how we handle {topic}. The honest answer "
    "is: carefully, and with a lot of tests.",
)
_MIDDLES = (
    "The first surprise was how much time went into **measuring** before changing anything. "
    "We wrote a small benchmark, ran it on a quiet machine, and only then touched the code.",
    "It helps to keep the moving parts few. One process, one database, one clear owner for "
    "each table: most of our problems went away once we stopped adding layers.",
    "We leaned on `EXPLAIN ANALYZE` more than I expected. A query that looked harmless was "
    "reading every row of a table that had quietly grown to millions.",
    "Reading the source was worth it. The behaviour we thought was a bug turned out to be "
    "documented, just in a place none of us had looked.",
    "Small commits made the difference. Each one said what changed and why, so when "
    "something broke we could find the cause in minutes rather than days.",
    "The tests caught two regressions before they shipped. Both were in code we had been "
    "sure was too simple to need a test.",
    "Naming things well paid off again. Once the function said what it did, the bug in it "
    "became obvious to the next person who read it.",
    "We also learned to *say no*. Not every feature request needs an option; most need a "
    "better default.",
)
_LISTS = (
    "What worked for us:\n\n- measure first, then change one thing\n- keep the old path "
    "until the new one is proven\n- write the rollback before the migration",
    "A short checklist we now use:\n\n1. Read the error message twice.\n2. Reproduce it in a "
    "test.\n3. Fix it, and keep the test.",
    "Things that did **not** help:\n\n- adding another cache\n- more retries\n- blaming the "
    "network",
)
_CODE = (
    "Here is the shape of it:\n\n```python\nasync def handler(request):\n    async with "
    "pool.acquire() as connection:\n        return await connection.fetch(QUERY)\n```",
    "The query ended up this simple:\n\n```sql\nSELECT id, title FROM posts\nWHERE status = "
    "'published'\nORDER BY published_at DESC, id DESC\nLIMIT 20;\n```",
    "A one-line change, in the end:\n\n```python\nresult = await session.scalars(statement)\n```",
)
_CLOSINGS = (
    "That is all for now. If you have a story about {topic}, I would love to hear it in the "
    "comments.",
    "None of this is new, but writing it down helped me. I hope it helps you too.",
    "Next time I will write about what we got wrong. There is plenty of material.",
    "Thanks to everyone who read the drafts of this post and told me where it was unclear.",
)
SUBTITLES = (
    None, None, "A few notes from a busy quarter", "Short version: measure first",
    "What the documentation does not tell you", None, "With code you can copy",
)  # fmt: skip


def username(index: int) -> str:
    """The index-th person's username: `ada.lovelace`, ..., then `ada.lovelace2`: a name is
    never repeated, whatever the number of people."""
    pairs = len(FIRST_NAMES) * len(LAST_NAMES)
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = LAST_NAMES[(index // len(FIRST_NAMES)) % len(LAST_NAMES)]
    round_ = index // pairs
    return f"{first}.{last}{round_ + 1 if round_ else ''}"


def display_name(name: str) -> str:
    """`ada.lovelace2` shows as `Ada Lovelace`."""
    return " ".join(part.rstrip("0123456789").capitalize() for part in name.split("."))


def bio(rng: random.Random, index: int) -> str | None:
    if index % BIO_EVERY:
        return None
    role, interest, extra = (
        rng.choice(_BIO_ROLES),
        rng.choice(_BIO_INTERESTS),
        rng.choice(_BIO_EXTRAS),
    )
    return f"{role}. Into {interest}. {extra}".strip()


def title(rng: random.Random) -> str:
    topic, other = rng.sample(TOPICS, 2)
    made = rng.choice(_TITLE_TEMPLATES).format(topic=topic, other=other)
    return made[0].upper() + made[1:]


def body(rng: random.Random) -> str:
    """A post in Markdown: an opening, a heading, two to four paragraphs with a list or some
    code among them, and a closing line."""
    topic = rng.choice(TOPICS)
    parts = [
        rng.choice(_OPENINGS).format(topic=topic),
        f"## {rng.choice(('What happened', 'The problem', 'What we tried', 'Background'))}",
    ]
    parts += rng.sample(_MIDDLES, rng.randint(2, 4))
    parts.insert(rng.randint(3, len(parts)), rng.choice(_LISTS + _CODE))
    parts.append(rng.choice(_CLOSINGS).format(topic=topic))
    return "\n\n".join(parts)


def comment(rng: random.Random) -> str:
    return rng.choice(
        (
            "Thanks for writing this up, it matches what we saw.",
            "Great post! The checklist alone was worth it.",
            "Did you try measuring before and after on the same machine?",
            "We hit exactly this last week. Bookmarked.",
            "I disagree with the second point, but the rest is spot on.",
            "Could you share the benchmark? I would like to run it here.",
            "Clear and to the point. More of these, please.",
        )
    )
