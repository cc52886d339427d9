--[[
quarto_subset.lua: the structural part of the builtin renderer, as a pandoc Lua filter.

Implements a documented subset of Quarto's Markdown extensions (see docs/rendering.md):
  * callouts: ::: {.callout-note} (warning, important, tip, caution) with an optional
    "## Title" first heading or a title="..." attribute, rendered as titled boxes;
  * HTML tables from cell outputs (raw HTML blocks holding a <table>) become pandoc tables;
  * floats: divs or figures with an id "fig-..." become numbered figures ("Figure 1: ...")
    captioned from fig-cap or, as in Quarto, a div's last paragraph, with the image alt text from fig-alt
    (a figure div holds an image, or a link to the figure's file); divs with an id "tbl-..."
    caption the table they hold from tbl-cap ("Table 1: ..."); Markdown tables captioned
    ": text {#tbl-...}" are numbered as well;
  * sections are numbered (metadata number-sections: true) and headings with an id
    "sec-..." can be referenced;
  * cross-references @fig-x, @tbl-x, @sec-x (also [-@fig-x] for the bare number) become links;
    an unresolved reference stops the render with an error;
  * with "lightbox: true" (HTML only), a figure's image links to an enlarged view of the figure that the
    stylesheet shows with the CSS :target selector, and a click anywhere closes it: no script;
  * images (in pandoc's media bag, where resource_guard.lua put them) are embedded in HTML as data: URIs, as
    Quarto's embed-resources does, and in the other formats renamed after their content, so that the outputs do
    not depend on temporary paths.
Syntax and output text follow the Quarto guide ("Cross References", "Callout Blocks", "Lightbox Figures").
]]

local CALLOUT_TITLES = {
  note = "Note", warning = "Warning", important = "Important", tip = "Tip", caution = "Caution",
}
local XREF_PREFIX = { fig = "Figure", tbl = "Table", sec = "Section" }

--- Markdown text (an attribute value) to inlines.
local function markdown_inlines(text)
  local blocks = pandoc.read(text, "markdown").blocks
  return pandoc.utils.blocks_to_inlines(blocks)
end

local function kind_of(identifier)
  return identifier:match("^(%a+)%-") and identifier:match("^(%a+)%-"):lower()
end

--- Callout divs to titled boxes; the "## Title" heading is removed so it stays out of the TOC.
local function render_callout(div)
  for _, class in ipairs(div.classes) do
    local kind = class:match("^callout%-(%a+)$")
    if kind and CALLOUT_TITLES[kind] then
      local body = div.content
      local title
      if div.attributes.title then
        title = markdown_inlines(div.attributes.title)
      elseif #body > 0 and body[1].t == "Header" then
        title = body[1].content
        body = pandoc.Blocks({ table.unpack(body, 2) })
      else
        title = pandoc.Inlines(CALLOUT_TITLES[kind])
      end
      local attributes = { role = "note" }
      return pandoc.Div({
        pandoc.Div(pandoc.Plain(title), pandoc.Attr("", { "callout-title" })),
        pandoc.Div(body, pandoc.Attr("", { "callout-body" })),
      }, pandoc.Attr(div.identifier, { "callout", "callout-" .. kind }, attributes))
    end
  end
end

--- Raw HTML holding a table (a pandas DataFrame display) to pandoc blocks.
local function html_table(raw)
  if raw.format == "html" and raw.text:find("<table", 1, true) then
    return pandoc.read(raw.text, "html").blocks
  end
end

--- Apply fig-alt to every image inside a figure (the alt text is the image description).
local function apply_alt(blocks, alt)
  return blocks:walk({
    Image = function(image)
      local text = alt or image.attributes["fig-alt"]
      image.attributes["fig-alt"] = nil
      if text then image.caption = pandoc.Inlines(text) end
      return image
    end,
  })
end

--- Divs with a fig-/tbl- id to figures and captioned tables.
local function make_float(div)
  local kind = kind_of(div.identifier)
  if kind == "fig" then
    local caption = div.attributes["fig-cap"]
    local content = apply_alt(div.content, div.attributes["fig-alt"])
    local images, links = 0, 0
    content:walk({ Image = function() images = images + 1 end, Link = function() links = links + 1 end })
    if images == 0 and links == 0 then error("figure " .. div.identifier .. " has no image") end
    local caption_blocks = { caption and pandoc.Plain(markdown_inlines(caption)) or nil }
    -- Quarto's figure div: its last paragraph is the caption (a linked figure holds a link and its caption).
    if not caption and #content > 1 and content[#content].t == "Para" then
      caption_blocks = { pandoc.Plain(content[#content].content) }
      content = pandoc.Blocks({ table.unpack(content, 1, #content - 1) })
    end
    return pandoc.Figure(content, caption_blocks, pandoc.Attr(div.identifier))
  elseif kind == "tbl" then
    local found = false
    local content = div.content:walk({
      Table = function(tbl)
        if found then error("table " .. div.identifier .. " holds more than one table") end
        found = true
        tbl.identifier = div.identifier
        local caption = div.attributes["tbl-cap"]
        if caption then tbl.caption = { long = { pandoc.Plain(markdown_inlines(caption)) } } end
        return tbl
      end,
    })
    if not found then error("table " .. div.identifier .. " holds no table") end
    return content
  end
end

--- Prefix a caption (list of blocks) with "Figure 1: " and return the caption.
local function number_caption(caption, label)
  local prefix = pandoc.Inlines({ pandoc.Str(label) })
  if #caption.long > 0 then
    prefix:extend({ pandoc.Str(":"), pandoc.Space() })
    local first = caption.long[1]
    first.content = prefix .. first.content
  else
    caption.long = { pandoc.Plain(prefix) }
  end
  return caption
end

--- Number figures, tables and sections in document order; return label -> reference text.
local function number_everything(doc, number_sections)
  local targets = {}
  local counts = { fig = 0, tbl = 0 }
  local levels = {}
  local function float(element, kind)
    if kind_of(element.identifier) ~= kind then return nil end
    if targets[element.identifier] then error("duplicate label " .. element.identifier) end
    counts[kind] = counts[kind] + 1
    local number = tostring(counts[kind])
    targets[element.identifier] = number
    element.caption = number_caption(element.caption, XREF_PREFIX[kind] .. " " .. number)
    return element
  end
  doc.blocks = doc.blocks:walk({
    traverse = "topdown",
    Figure = function(figure)
      figure.content = apply_alt(figure.content, nil)
      return float(figure, "fig")
    end,
    Table = function(tbl) return float(tbl, "tbl") end,
    Header = function(header)
      if header.classes:includes("unnumbered") then
        if kind_of(header.identifier) == "sec" then
          targets[header.identifier] = pandoc.utils.stringify(header.content)
        end
        return nil
      end
      levels[header.level] = (levels[header.level] or 0) + 1
      for level = header.level + 1, #levels do levels[level] = nil end
      local parts = {}
      for level = 1, header.level do parts[level] = tostring(levels[level] or 0) end
      local number = table.concat(parts, ".")
      if kind_of(header.identifier) == "sec" then
        if targets[header.identifier] then error("duplicate label " .. header.identifier) end
        targets[header.identifier] = number_sections and number
          or pandoc.utils.stringify(header.content)
      end
      if number_sections then
        header.attributes.number = number
        header.content = pandoc.Inlines({
          pandoc.Span(pandoc.Inlines(number), pandoc.Attr("", { "header-section-number" })),
          pandoc.Space(),
        }) .. header.content
        return header
      end
    end,
  })
  return targets
end

--- Cross-references to links ("Figure 1"); unresolved fig-/tbl-/sec- references are errors.
local function resolve_references(doc, targets)
  doc.blocks = doc.blocks:walk({
    Cite = function(cite)
      local kinds = {}
      for _, citation in ipairs(cite.citations) do
        local kind = kind_of(citation.id)
        if not XREF_PREFIX[kind or ""] then return nil end
        kinds[#kinds + 1] = kind
      end
      local out = pandoc.Inlines({})
      for index, citation in ipairs(cite.citations) do
        local id = citation.id:gsub("^%a", string.lower)
        local target = targets[id]
        if not target then error("unresolved cross-reference @" .. citation.id) end
        local text = target
        if citation.mode ~= "SuppressAuthor" then text = XREF_PREFIX[kinds[index]] .. " " .. target end
        if index > 1 then out:extend({ pandoc.Str(";"), pandoc.Space() }) end
        out:insert(pandoc.Link(pandoc.Inlines(text), "#" .. id, "", pandoc.Attr("", { "quarto-xref" })))
      end
      return out
    end,
  })
end

--- An image checked by resource_guard.lua (so in the media bag) with a source derived from its content, so that no
--- temporary path reaches the output. In HTML the source is a data: URI, which makes the page self-contained as
--- Quarto's embed-resources does (pandoc's --embed-resources would parse the whole page it wrote again to do so);
--- elsewhere it is a name made of the content's hash (the Word writer records an image's source in the file).
local function content_source(image)
  local mime, contents = pandoc.mediabag.lookup(image.src)
  if contents == nil then return nil end
  if FORMAT:match("html") then
    image.src = pandoc.mediabag.make_data_uri(mime, contents)
    return image
  end
  image.src = pandoc.sha1(contents) .. (image.src:match("%.%w+$") or "")
  pandoc.mediabag.insert(image.src, mime, contents)
  return image
end

--- A figure whose images open an enlarged view of it (#<id>-zoom) and close it again (#<id>); a figure without an
--- image (a link to the figure's file) is left as it is.
local function zoomable(figure)
  if figure.identifier == "" then return nil end
  local images = 0
  figure.content:walk({ Image = function() images = images + 1 end })
  if images == 0 then return nil end
  local zoom = figure.identifier .. "-zoom"
  local content = figure.content:walk({
    Image = function(image)
      return pandoc.Link(image, "#" .. zoom, "Enlarge the figure", pandoc.Attr("", { "zoom-open" }))
    end,
  })
  local close = pandoc.Link(pandoc.Inlines({}), "#" .. figure.identifier, "Close the enlarged figure",
    pandoc.Attr("", { "zoom-close" }, { ["aria-label"] = "Close the enlarged figure" }))
  content:insert(pandoc.Plain(close))
  figure.content = pandoc.Blocks({ pandoc.Div(content, pandoc.Attr(zoom, { "figure-zoom" })) })
  return figure
end

function Pandoc(doc)
  doc.blocks = doc.blocks:walk({ Image = content_source })
  doc.blocks = doc.blocks:walk({ Div = render_callout })
  doc.blocks = doc.blocks:walk({ RawBlock = html_table })
  doc.blocks = doc.blocks:walk({ Div = make_float })
  local number_sections = doc.meta["number-sections"] == true
  local targets = number_everything(doc, number_sections)
  resolve_references(doc, targets)
  if FORMAT:match("html") and doc.meta.lightbox == true then
    doc.blocks = doc.blocks:walk({ Figure = zoomable })
  end
  return doc
end
