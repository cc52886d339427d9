--[[
metadata_override.lua: under Quarto, the document metadata given to render_report(metadata=...) replaces the front
matter's, parsed as Markdown as the front matter is.

Quarto reads a --metadata-file below the document's front matter, and hands -M values to pandoc as plain strings (a
JSON-quoted value keeps its quotes, an escape its backslash). So render_report writes the values under the key
"qolreview-metadata" of a metadata file, where they are Markdown (pandoc manual, "--metadata-file"), and this
filter moves them to the top level of the document's metadata.
]]

local KEY = "qolreview-metadata"

function Meta(meta)
  local values = meta[KEY]
  if values == nil then return nil end
  for name, value in pairs(values) do meta[name] = value end
  meta[KEY] = nil
  return meta
end
