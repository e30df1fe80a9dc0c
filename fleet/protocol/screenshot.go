package protocol

// PathAgentScreenshot is where a screen posts the PNG an admin's
// screenshot command asked for, with its terminal token; the command's id
// is the query's "command".
const PathAgentScreenshot = "/api/v1/agent/screenshots"

// MaxScreenshotBytes bounds a screenshot upload.
const MaxScreenshotBytes = 8 << 20
