export { ASSET_SOURCES, cleanName, createAssetCatalog, type AssetCatalog, type AssetFile, type AssetSource } from "./_catalog.js";
export { AssetImportError, importFromPackages, importRhel } from "./_import.js";
export { reuseFor } from "./_reuse.js";
