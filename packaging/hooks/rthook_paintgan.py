"""PyInstaller runtime hook: make the bundled native libraries findable before anything imports them.

* Windows: Python 3.8+ no longer searches PATH for DLL dependencies, so ONNX Runtime's provider DLLs
  and the NVIDIA runtime DLLs of the GPU flavour must be registered with os.add_dll_directory.
* All platforms: tell PaintGAN where the bundled models/ and resources/ are.
"""

import os
import sys

base = getattr(sys, "_MEIPASS", os.path.dirname(os.path.abspath(sys.executable)))
os.environ.setdefault("PAINTGAN_BUNDLE_DIR", base)

if sys.platform == "win32":
    candidates = [os.path.join(base, "onnxruntime", "capi"), base]
    nvidia = os.path.join(base, "nvidia")
    if os.path.isdir(nvidia):
        for pkg in os.listdir(nvidia):
            candidates.append(os.path.join(nvidia, pkg, "bin"))
    for d in candidates:
        if os.path.isdir(d):
            os.add_dll_directory(d)
            os.environ["PATH"] = d + os.pathsep + os.environ.get("PATH", "")
