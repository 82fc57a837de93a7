"""SOQL for the emulator: :mod:`.lexer` → :mod:`.parser` → :mod:`.ast` → :mod:`.evaluate`.

Parsed properly (tokens and a recursive-descent parser), never with regular expressions over the
whole query, so errors point at the offending token the way Salesforce's do (§3).
"""
