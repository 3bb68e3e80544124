"""Reading the user pool id out of a token's issuer (the ``iss`` claim)."""

from typing import Optional


def user_pool_id_from_issuer(iss: str) -> Optional[str]:
    """The pool id of ``https://cognito-idp.<region>.amazonaws.com/<pool id>``, else None.

    Claims carry no pool id of their own, and a ``sub`` is unique only within its pool;
    any other issuer (another identity provider, a look-alike host, a longer path) names
    no pool.
    """
    if not iss.startswith("https://"):
        return None
    host, slash, pool = iss[len("https://") :].partition("/")
    if not slash or not host.startswith("cognito-idp."):
        return None
    region = host[len("cognito-idp.") :]
    for suffix in (".amazonaws.com", ".amazonaws.com.cn"):
        if region.endswith(suffix):
            region = region[: -len(suffix)]
            break
    else:
        return None
    region_ok = region != "" and all(c.isascii() and (c.islower() or c.isdigit() or c == "-") for c in region)
    pool_region, underscore, rest = pool.partition("_")
    pool_ok = (
        bool(underscore)
        and pool_region == region
        and rest != ""
        and len(pool) <= 55
        and all(c.isascii() and c.isalnum() for c in rest)
    )
    return pool if region_ok and pool_ok else None
