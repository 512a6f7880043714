"""The core under the feature packages: text folding, language, shop-local periods and
clocks, and conversation memory — one implementation each, imported by every feature
package, importing none of them."""
