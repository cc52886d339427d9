--[[
resource_guard.lua: the report embeds files from its resource directories only, and links nowhere unsafe.

Runs under both renderers (first in the builtin one). The resource directories are absolute paths, one per line, in the
environment variable QOLREVIEW_RESOURCE_DIRS (set by qolreview.report.render.resources).

  * An image must be a file under one of them: a path (no URI scheme, percent-encoding, query or
    fragment), absolute or relative to the working directory, whose "." and ".." parts are resolved
    before the check. Anything else (/etc/passwd, ../../secret, file:, data:, http:) stops the render.
    The file is read here and put in pandoc's media bag under its source, so that the report embeds
    exactly the file that was checked (Quarto through pandoc's --embed-resources; the builtin renderer
    through quarto_subset.lua, with pandoc run with --sandbox, which lets pandoc itself read no other
    file; pandoc manual, "--sandbox").
  * A link may point into the document (#id), to a relative path or to an http, https or mailto URL;
    a javascript:, data:, file: or other scheme stops the render. Browsers drop ASCII whitespace and
    control characters in URLs (WHATWG URL standard), so they are dropped before the scheme is read.
]]

local SAFE_LINK_SCHEMES = { http = true, https = true, mailto = true }
local IMAGE_TYPES = {
  svg = "image/svg+xml", png = "image/png", jpg = "image/jpeg", jpeg = "image/jpeg", gif = "image/gif",
  webp = "image/webp", pdf = "application/pdf",
}

--- An absolute path with "." and ".." resolved (lexically; no file is looked at).
local function absolute(path)
  if not pandoc.path.is_absolute(path) then
    path = pandoc.path.join({ pandoc.system.get_working_directory(), path })
  end
  local parts = {}
  for _, part in ipairs(pandoc.path.split(path)) do
    if part == ".." then
      if #parts > 1 then table.remove(parts) end
    elseif part ~= "." then
      parts[#parts + 1] = part
    end
  end
  return pandoc.path.join(parts)
end

local function resource_dirs()
  local dirs = {}
  for dir in (os.getenv("QOLREVIEW_RESOURCE_DIRS") or ""):gmatch("[^\n]+") do
    dirs[#dirs + 1] = absolute(dir)
  end
  return dirs
end

local RESOURCE_DIRS = resource_dirs()

local function inside_resource_dirs(path)
  for _, dir in ipairs(RESOURCE_DIRS) do
    if path:sub(1, #dir + 1) == dir .. pandoc.path.separator then return true end
  end
  return false
end

--- The checked file behind an image source, or nil when the source is not a file in a resource directory.
local function checked_file(source)
  if source:match("^%a[%w+.-]*:") or source:find("[%%?#%c]") then return nil end
  local path = absolute(source)
  return inside_resource_dirs(path) and path or nil
end

function Image(image)
  local path = checked_file(image.src)
  if not path then
    error("image outside the report's resource directories: " .. image.src)
  end
  local file = io.open(path, "rb")
  if not file then error("cannot read image " .. image.src) end
  local contents = file:read("a")
  file:close()
  local extension = (path:match("%.(%w+)$") or ""):lower()
  pandoc.mediabag.insert(image.src, IMAGE_TYPES[extension], contents)
end

function Link(link)
  local scheme = link.target:gsub("[%c%s]", ""):match("^(%a[%w+.-]*):")
  if scheme and not SAFE_LINK_SCHEMES[scheme:lower()] then
    error("link with a disallowed URL scheme: " .. link.target)
  end
end
