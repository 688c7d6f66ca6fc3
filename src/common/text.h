#pragma once
// Small text checks shared by validation code: UTF-8 well-formedness, printable names and ids.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil {

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF).
bool IsValidUtf8(std::string_view s);
// True when `s` holds no ASCII control characters (0x00–0x1F, 0x7F). UTF-8 is not checked here.
bool HasNoControlChars(std::string_view s);
// True when every byte is one of [A-Za-z0-9._:-].
bool IsIdentifierText(std::string_view s);
// Lower-cases ASCII letters.
std::string AsciiLower(std::string_view s);
// JSON string escaping (quotes not included) for hand-written JSON output.
void AppendJsonEscaped(std::string& out, std::string_view s);
// Percent-encodes everything but RFC 3986 unreserved characters (for URL query values and paths).
std::string UrlEncode(std::string_view value);
// Appends {"k1":"v1",...} for string pairs, in order.
void AppendJsonStringObject(std::string& out,
                            const std::vector<std::pair<std::string, std::string>>& entries);

}  // namespace vigil
