// The account page: shows the chosen picture before it is uploaded.
const input = document.getElementById("file");
const preview = document.getElementById("picture-preview");
let previewUrl = null;

input?.addEventListener("change", () => {
  if (previewUrl !== null) {
    URL.revokeObjectURL(previewUrl);
    previewUrl = null;
  }
  const [file] = input.files;
  if (file) {
    previewUrl = URL.createObjectURL(file);
    preview.src = previewUrl;
  }
});
